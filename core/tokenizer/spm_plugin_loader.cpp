// dlopen of the SentencePiece plugin: search, symbol resolution, ABI check (see spm_plugin_loader.h).
#include "core/tokenizer/spm_plugin_loader.h"

#include "core/common/error.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <system_error>

namespace llms::tokenizer {
namespace {

namespace fs = std::filesystem;

const char* kHowToFix = "build the CMake target llms_spm (ninja llms_spm), install the package, or set "
                        "LLMS_SPM_PLUGIN to the full path of libllms_spm.so";

int dlopen_flags() {
    int flags = RTLD_NOW | RTLD_LOCAL;
#ifdef RTLD_DEEPBIND
    flags |= RTLD_DEEPBIND;   // the plugin's protobuf 3.14 must not bind to libtorch's 3.21
#endif
    return flags;
}

// Resolves one symbol into a typed function pointer, or throws naming it.
template <typename Fn>
void resolve(void* handle, const fs::path& path, const char* name, Fn& out) {
    dlerror();
    void* sym = dlsym(handle, name);
    if (sym == nullptr) {
        const char* why = dlerror();
        throw Error("SentencePiece plugin " + path.string() + " lacks the symbol " + name + " (" +
                    (why ? why : "null") + "): it is not libllms_spm.so or is from an older build; " +
                    kHowToFix);
    }
    out = reinterpret_cast<Fn>(sym);
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<fs::path> spm_plugin_candidates(const char* env_value) {
    if (env_value != nullptr && *env_value != '\0') return {fs::path(env_value)};
    std::vector<fs::path> out;
    std::error_code ec;
    // No path of the build machine is compiled in: the build tree has the plugin beside the executables
    // (build/bin), an install tree in <prefix>/lib/llm-surgery.
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.has_parent_path()) {
        const fs::path dir = exe.parent_path();
        out.push_back(dir / kSpmPluginFile);
        out.push_back((dir / ".." / "lib" / "llm-surgery" / kSpmPluginFile).lexically_normal());
    }
    return out;
}

SpmPlugin open_spm_plugin(const fs::path& given) {
    // Absolute: dlopen of a bare name would search the library path, not the file that was checked.
    std::error_code aec;
    const fs::path path = fs::absolute(given, aec);
    if (!is_file(path))
        throw Error("SentencePiece plugin " + path.string() + " does not exist or is not a file; " + kHowToFix);
    void* handle = dlopen(path.c_str(), dlopen_flags());   // never dlclose'd: lives as long as the process
    if (handle == nullptr) {
        const char* why = dlerror();
        throw Error("cannot load the SentencePiece plugin " + path.string() + ": " + (why ? why : "unknown") +
                    "; check that libsentencepiece0 is installed (packaging/install-deps.sh), or " + kHowToFix);
    }
    SpmPlugin p;
    p.path = path;
    resolve(handle, path, "llms_spm_abi_version", p.abi_version);
    const int32_t abi = p.abi_version();
    if (abi != LLMS_SPM_ABI_VERSION)
        throw Error("SentencePiece plugin " + path.string() + " has ABI version " + std::to_string(abi) +
                    " but this program needs " + std::to_string(LLMS_SPM_ABI_VERSION) +
                    ": it is from another build; rebuild the target llms_spm or point LLMS_SPM_PLUGIN at "
                    "the libllms_spm.so built with this program");
    resolve(handle, path, "llms_spm_load", p.load_model);
    resolve(handle, path, "llms_spm_free", p.free_model);
    resolve(handle, path, "llms_spm_encode", p.encode);
    resolve(handle, path, "llms_spm_decode", p.decode);
    resolve(handle, path, "llms_spm_piece", p.piece);
    resolve(handle, path, "llms_spm_piece_count", p.piece_count);
    resolve(handle, path, "llms_spm_bos_id", p.bos_id);
    resolve(handle, path, "llms_spm_eos_id", p.eos_id);
    resolve(handle, path, "llms_spm_unk_id", p.unk_id);
    resolve(handle, path, "llms_spm_pad_id", p.pad_id);
    resolve(handle, path, "llms_spm_is_byte", p.is_byte);
    resolve(handle, path, "llms_spm_is_control", p.is_control);
    resolve(handle, path, "llms_spm_train", p.train);
    return p;
}

SpmPlugin find_spm_plugin(const char* env_value) {
    const bool from_env = env_value != nullptr && *env_value != '\0';
    const auto candidates = spm_plugin_candidates(env_value);
    if (from_env) {
        if (!is_file(candidates.front()))
            throw Error(std::string(kSpmPluginEnv) + "=" + candidates.front().string() +
                        " does not name an existing file: set it to the full path of libllms_spm.so, or unset "
                        "it to search beside the executable and in ../lib/llm-surgery");
        return open_spm_plugin(candidates.front());
    }
    std::string searched;
    for (const auto& c : candidates) {
        if (is_file(c)) return open_spm_plugin(c);
        searched += (searched.empty() ? "" : ", ") + c.string();
    }
    throw Error("SentencePiece plugin libllms_spm.so not found (searched: " + searched +
                "); the tokenizer needs it: " + kHowToFix);
}

const SpmPlugin& spm_plugin() {
    // A throwing initializer leaves the static uninitialized, so a later call searches again.
    static const SpmPlugin plugin = find_spm_plugin(std::getenv(kSpmPluginEnv));
    return plugin;
}

}  // namespace llms::tokenizer

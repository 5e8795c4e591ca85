// HF model folder writer (temporary sibling folder, fsync, rename into place) and completeness check.
#include "core/io/hf_folder.h"

#include "core/common/error.h"
#include "core/io/safetensors.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace llms::io {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* const kHfSideFiles[] = {"tokenizer.model",         "tokenizer.json",         "tokenizer_config.json",
                                    "special_tokens_map.json", "generation_config.json", "added_tokens.json",
                                    nullptr};

namespace {

// ---------------------------------------------------------------- paths

// Absolute, normalized, without a trailing separator.
fs::path clean(const fs::path& p) {
    fs::path a = fs::absolute(p).lexically_normal();
    if (!a.has_filename() && a.has_parent_path() && a != a.root_path()) a = a.parent_path();
    return a;
}

// True when `inner` is `outer` or lies inside it: symlinks resolved (weakly_canonical), and bind mounts or
// other aliases caught by comparing every existing ancestor of `inner` with `outer` by identity.
bool same_or_inside(const fs::path& inner, const fs::path& outer) {
    std::error_code ec;
    fs::path i = fs::weakly_canonical(inner, ec);
    if (ec || i.empty()) i = inner.lexically_normal();   // e.g. a folder we may not stat: compare as written
    fs::path o = fs::weakly_canonical(outer, ec);
    if (ec || o.empty()) o = outer.lexically_normal();
    if (o.empty()) return false;
    auto ii = i.begin();
    bool prefix = true;
    for (auto oi = o.begin(); oi != o.end(); ++oi, ++ii) {
        if (oi->empty()) continue;   // a trailing separator
        if (ii == i.end() || *ii != *oi) {
            prefix = false;
            break;
        }
    }
    if (prefix) return true;
    if (!fs::exists(outer, ec)) return false;
    for (fs::path a = i; !a.empty(); a = a.parent_path()) {
        if (fs::exists(a, ec) && fs::equivalent(a, outer, ec)) return true;
        if (a == a.root_path()) break;
    }
    return false;
}

bool plain_file_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// ---------------------------------------------------------------- dtypes

at::ScalarType parse_dtype(const std::string& d) {
    if (d.empty()) return at::ScalarType::Undefined;
    if (d == "float32") return at::kFloat;
    if (d == "bfloat16") return at::kBFloat16;
    if (d == "float16") return at::kHalf;
    throw Error("export dtype \"" + d + "\" is not supported; choose float32, bfloat16 or float16 (or keep the model's)");
}

std::string torch_dtype_name(at::ScalarType t) {
    if (t == at::kFloat) return "float32";
    if (t == at::kBFloat16) return "bfloat16";
    if (t == at::kHalf) return "float16";
    return "";
}

// ---------------------------------------------------------------- synced files

void fsync_path(const fs::path& p, bool dir) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (fd < 0) {
        if (dir) return;   // best effort for folders
        throw Error(p.string() + ": cannot open to flush to disk (" + std::strerror(errno) + ")");
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && !dir) throw Error(p.string() + ": flushing to disk failed (" + std::strerror(err) + ")");
}

void write_text(const fs::path& p, const std::string& text) {
    {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        if (!f) throw Error(p.string() + ": cannot create (check the folder is writable)");
        f.write(text.data(), (std::streamsize)text.size());
        f.flush();
        if (!f) throw Error(p.string() + ": write failed (disk full?)");
    }
    fsync_path(p, false);
}

void copy_file_synced(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(to.string() + ": cannot copy " + from.string() + " (" + ec.message() + ")");
    fsync_path(to, false);
}

std::string pid_suffix() { return std::to_string((long long)::getpid()); }

}  // namespace

// ---------------------------------------------------------------- writer

void write_hf_folder(const fs::path& out_dir, const fs::path& source_dir, const std::string& config_json_text,
                     const std::vector<std::pair<std::string, at::Tensor>>& tensors, const HfWriteOptions& opt) {
    if (out_dir.empty()) throw Error("no output folder given: choose a folder for the edited model");
    const fs::path out = clean(out_dir);
    if (!out.has_filename() || out == out.root_path())
        throw Error(out.string() + ": cannot write a model folder at the file-system root; choose a subfolder");
    std::error_code ec;

    fs::path src;
    if (!source_dir.empty()) {
        src = clean(source_dir);
        if (!fs::is_directory(src, ec))
            throw Error(src.string() + ": the input model folder does not exist (its tokenizer files are copied "
                                       "from there)");
        if (same_or_inside(out, src))
            throw Error(out.string() + ": this is the input model folder " + src.string() +
                        " or a folder inside it, and an edited model is never written over the input model; "
                        "choose another output folder");
        if (same_or_inside(src, out))
            throw Error(out.string() + ": this folder contains the input model folder " + src.string() +
                        ", and an edited model is never written over the input model; choose another output folder");
    }

    const at::ScalarType dtype = parse_dtype(opt.dtype);

    json cfg;
    try {
        cfg = json::parse(config_json_text);
    } catch (const json::exception& e) {
        throw Error(std::string("the model's config.json text is not valid JSON (") + e.what() +
                    "); this is a bug in the caller, please report it");
    }
    if (!cfg.is_object()) throw Error("the model's config.json text is not a JSON object; please report this bug");
    // torch_dtype follows the stored weights: the chosen dtype, or the tensors' own one when they agree.
    at::ScalarType stored = dtype;
    if (stored == at::ScalarType::Undefined && !tensors.empty()) {
        stored = tensors.front().second.defined() ? tensors.front().second.scalar_type() : at::ScalarType::Undefined;
        for (const auto& [n, t] : tensors)
            if (!t.defined() || t.scalar_type() != stored) stored = at::ScalarType::Undefined;
    }
    if (!torch_dtype_name(stored).empty()) cfg["torch_dtype"] = torch_dtype_name(stored);

    for (const auto& [name, text] : opt.extra_text_files)
        if (!plain_file_name(name) || name == "config.json")
            throw Error(out.string() + ": extra file name \"" + name + "\" is not allowed (plain names only, not config.json)");
    for (const auto& [name, from] : opt.extra_copied_files) {
        if (!plain_file_name(name) || name == "config.json")
            throw Error(out.string() + ": extra file name \"" + name + "\" is not allowed (plain names only, not config.json)");
        if (!fs::is_regular_file(from, ec)) throw Error(from.string() + ": file not found (to copy into " + out.string() + ")");
    }

    const bool out_exists = fs::exists(fs::symlink_status(out, ec));
    if (out_exists) {
        if (!fs::is_directory(out, ec))
            throw Error(out.string() + ": exists and is not a folder; choose another output folder");
        if (!fs::is_empty(out, ec) && !opt.overwrite)
            throw Error(out.string() + ": exists and is not empty; choose a new folder or allow overwriting it");
    }

    const fs::path parent = out.parent_path();
    fs::create_directories(parent, ec);
    if (ec) throw Error(parent.string() + ": cannot create the folder (" + ec.message() + ")");
    const fs::path tmp = parent / (out.filename().string() + ".partial-" + pid_suffix());
    fs::remove_all(tmp, ec);   // a leftover of an earlier crash with the same pid
    if (!fs::create_directory(tmp, ec) || ec)
        throw Error(tmp.string() + ": cannot create the temporary folder (" + (ec ? ec.message() : "exists") +
                    "); check that " + parent.string() + " is writable");

    try {
        std::function<void(double)> weights_progress;
        if (opt.progress) weights_progress = [&](double f) { opt.progress(0.99 * f); };
        save_safetensors_sharded(tmp, tensors, opt.max_shard_bytes, {{"format", "pt"}}, dtype, weights_progress);
        if (!src.empty())
            for (int i = 0; kHfSideFiles[i]; ++i)
                if (fs::is_regular_file(src / kHfSideFiles[i], ec))
                    copy_file_synced(src / kHfSideFiles[i], tmp / kHfSideFiles[i]);
        for (const auto& [name, from] : opt.extra_copied_files) copy_file_synced(from, tmp / name);
        for (const auto& [name, text] : opt.extra_text_files) write_text(tmp / name, text);
        write_text(tmp / "config.json", cfg.dump(2) + "\n");
        fsync_path(tmp, true);

        // Swap into place; the old folder (if any) goes only once the new one is complete.
        fs::path old;
        if (out_exists) {
            old = parent / (out.filename().string() + ".old-" + pid_suffix());
            fs::remove_all(old, ec);
            fs::rename(out, old);
        }
        try {
            fs::rename(tmp, out);
        } catch (...) {
            if (!old.empty()) fs::rename(old, out, ec);   // put the previous folder back
            throw;
        }
        fsync_path(parent, true);
        if (!old.empty()) fs::remove_all(old, ec);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(tmp, ec);
        throw Error(out.string() + ": writing the model folder failed (" + e.code().message() + ": " +
                    e.path1().string() + "); nothing was changed there");
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    if (opt.progress) opt.progress(1.0);
}

// ---------------------------------------------------------------- completeness

bool looks_like_complete_hf_folder(const fs::path& dir, std::string* why) {
    auto fail = [&](const std::string& w) {
        if (why) *why = w;
        return false;
    };
    try {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) return fail(dir.string() + ": not a folder");
        const fs::path config = dir / "config.json";
        std::ifstream f(config, std::ios::binary);
        if (!f) return fail(config.string() + ": missing or unreadable");
        std::stringstream text;
        text << f.rdbuf();
        json j;
        try {
            j = json::parse(text.str());
        } catch (const json::exception& e) {
            return fail(config.string() + ": not valid JSON (" + e.what() + ")");
        }
        if (!j.is_object()) return fail(config.string() + ": not a JSON object");
        const auto ckpt = SafetensorsCheckpoint::open_folder(dir);   // every header and shard validated
        if (ckpt.names().empty()) return fail(dir.string() + ": the weights hold no tensors");
        const fs::path tok = dir / "tokenizer.model";
        if (!fs::is_regular_file(tok, ec) || fs::file_size(tok, ec) == 0)
            return fail(tok.string() + ": missing or empty");
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    if (why) why->clear();
    return true;
}

}  // namespace llms::io

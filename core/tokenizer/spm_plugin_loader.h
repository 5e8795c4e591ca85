// Finds and opens libllms_spm.so (the SentencePiece plugin, C API in spm_plugin_api.h) with
// dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) and resolves its entry points. Torch-free.
// Search order: env LLMS_SPM_PLUGIN (when set, the only candidate); <exe dir>/libllms_spm.so;
// <exe dir>/../lib/llm-surgery/libllms_spm.so (the first in a build tree, the second in an install tree).
#pragma once
#include "core/tokenizer/spm_plugin_api.h"

#include <filesystem>
#include <vector>

namespace llms::tokenizer {

inline constexpr const char* kSpmPluginFile = "libllms_spm.so";
inline constexpr const char* kSpmPluginEnv = "LLMS_SPM_PLUGIN";

// The resolved entry points of one opened plugin. The library stays loaded for the process lifetime.
struct SpmPlugin {
    std::filesystem::path path;
    int32_t (*abi_version)(void) = nullptr;
    llms_spm_model* (*load_model)(const char*, char*, size_t) = nullptr;
    void (*free_model)(llms_spm_model*) = nullptr;
    int64_t (*encode)(const llms_spm_model*, const char*, size_t, int32_t*, size_t, char*, size_t) = nullptr;
    int64_t (*decode)(const llms_spm_model*, const int32_t*, size_t, char*, size_t, char*, size_t) = nullptr;
    int64_t (*piece)(const llms_spm_model*, int32_t, char*, size_t) = nullptr;
    int32_t (*piece_count)(const llms_spm_model*) = nullptr;
    int32_t (*bos_id)(const llms_spm_model*) = nullptr;
    int32_t (*eos_id)(const llms_spm_model*) = nullptr;
    int32_t (*unk_id)(const llms_spm_model*) = nullptr;
    int32_t (*pad_id)(const llms_spm_model*) = nullptr;
    int32_t (*is_byte)(const llms_spm_model*, int32_t) = nullptr;
    int32_t (*is_control)(const llms_spm_model*, int32_t) = nullptr;
    int32_t (*train)(const char*, uint32_t, char*, size_t) = nullptr;
};

// Candidate plugin paths in search order. env_value is LLMS_SPM_PLUGIN's value (nullptr or "" = unset);
// when set it is the only candidate.
std::vector<std::filesystem::path> spm_plugin_candidates(const char* env_value);

// Opens the plugin at path and resolves every entry point. Throws llms::Error for a missing file, a
// dlopen failure (with dlerror's text), a missing symbol or an ABI number other than LLMS_SPM_ABI_VERSION.
SpmPlugin open_spm_plugin(const std::filesystem::path& path);

// Opens the first existing candidate; throws llms::Error listing what was searched and how to fix it.
SpmPlugin find_spm_plugin(const char* env_value);

// The process-wide plugin: find_spm_plugin(getenv("LLMS_SPM_PLUGIN")) once (thread-safe). A failure
// throws and is retried on the next call.
const SpmPlugin& spm_plugin();

}  // namespace llms::tokenizer

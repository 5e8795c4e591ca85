// Writing an HF model folder atomically: config.json + safetensors (sharded above a size) + tokenizer files,
// built in a sibling temporary folder "<out>.partial-<pid>" (marked as ours first: see output_folder.h) and
// renamed into place (over an existing folder: one atomic exchange); never over (or inside, or around) the input
// folder, and never over a folder llm-surgery did not write. Core-internal (torch types); the UI never includes it.
#pragma once
#include <ATen/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace llms::io {

struct HfWriteOptions {
    std::string dtype = "";                  // "" keeps each tensor's dtype; or "float32" | "bfloat16" | "float16"
    uint64_t max_shard_bytes = 5ull << 30;
    bool overwrite = false;                  // replace an existing non-empty out_dir (only once the new one is complete)
    std::function<void(double fraction)> progress;   // fraction of the weights written, 1.0 when in place
    // More files for the folder (plain file names, no folders): text written as-is, or files copied.
    std::vector<std::pair<std::string, std::string>> extra_text_files;                 // {name, contents}
    std::vector<std::pair<std::string, std::filesystem::path>> extra_copied_files;     // {name, source file}
};

// Files copied from source_dir when present (the tokenizer and generation settings); nullptr-terminated. A side
// file that is a symlink must resolve inside source_dir (or its HF cache repo's blobs/), else the write is refused.
extern const char* const kHfSideFiles[];

// Writes config.json (config_json_text, normally the source's own config.json, keys and order kept, with only
// "torch_dtype" set to the stored dtype), the marker file io::kOutputMarker, the weights
// (model.safetensors, or shards + index above opt.max_shard_bytes) and the side files of source_dir (may be
// empty) to out_dir. llms::Error (io::check_output_folder) when out_dir is, is inside, or contains source_dir;
// when out_dir exists and is not an empty folder, unless opt.overwrite and llm-surgery wrote it; on any write
// failure (then nothing new is left at out_dir).
void write_hf_folder(const std::filesystem::path& out_dir, const std::filesystem::path& source_dir,
                     const std::string& config_json_text, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                     const HfWriteOptions& opt = {});

// True when dir holds a complete folder: config.json parses as an object, the weights open with valid headers
// (model.safetensors, or the index and every shard) and hold at least one tensor, tokenizer.model exists.
// Otherwise false with the reason (one line) in *why. Never throws.
bool looks_like_complete_hf_folder(const std::filesystem::path& dir, std::string* why = nullptr);

}  // namespace llms::io

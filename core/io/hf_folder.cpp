// HF model folder writer (through io::write_folder_atomic) and completeness check.
#include "core/io/hf_folder.h"

#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/io/atomic_folder.h"
#include "core/io/atomic_write.h"
#include "core/io/json_input.h"
#include "core/io/output_folder.h"
#include "core/io/read_file.h"
#include "core/io/safetensors.h"

#include <nlohmann/json.hpp>


#include <cstring>

namespace llms::io {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* const kHfSideFiles[] = {"tokenizer.model",         "tokenizer.json",         "tokenizer_config.json",
                                    "special_tokens_map.json", "generation_config.json", "added_tokens.json",
                                    nullptr};

namespace {

bool plain_file_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// ---------------------------------------------------------------- dtypes

at::ScalarType parse_dtype(const std::string& d) {
    if (d.empty()) return at::ScalarType::Undefined;
    if (const auto* w = dtype_by_name(d)) return scalar_type(*w);
    throw Error("export dtype \"" + d + "\" is not supported; choose " + kDtypeNames + " (or keep the model's)");
}

// ---------------------------------------------------------------- synced files

// A side file (a few MB at most) copied through the one atomic writer: regular files only, size-capped.
void copy_file_synced(const fs::path& from, const fs::path& to) {
    io::write_file_atomic(to, read_regular_file(from, kMaxDocumentBytes, "file to copy"));
}

// Whether source_dir's side file `name` is copied into the export: a regular file, or a symlink whose target
// lies inside the model folder or, for a Hugging Face cache snapshot (".../snapshots/<rev>/"), inside the
// repository's blobs folder. A link elsewhere (a cloned repo can carry "tokenizer_config.json -> ~/.ssh/id_rsa")
// is refused: its bytes would be published with the edited model.
bool side_file_to_copy(const fs::path& src, const std::string& name) {
    std::error_code ec;
    const fs::path p = src / name;
    const auto st = fs::symlink_status(p, ec);
    if (!fs::exists(st)) return false;
    if (fs::is_regular_file(st)) return true;
    if (!fs::is_symlink(st) || !fs::is_regular_file(p, ec)) return false;   // a folder, FIFO, device or dangling link
    const fs::path target = fs::canonical(p, ec);
    if (ec) return false;
    if (same_or_inside(target, src)) return true;
    const fs::path snapshots = src.parent_path();
    if (snapshots.filename() == "snapshots" && same_or_inside(target, snapshots.parent_path() / "blobs")) return true;
    throw Error(p.string() + " is a symbolic link to " + target.string() +
                ", outside the model folder; it is not copied into the edited model (it could publish a private "
                "file): replace the link with the file itself, or remove it");
}

}  // namespace

// ---------------------------------------------------------------- writer

void write_hf_folder(const fs::path& out_dir, const fs::path& source_dir, const std::string& config_json_text,
                     const std::vector<std::pair<std::string, at::Tensor>>& tensors, const HfWriteOptions& opt) {
    check_output_folder(out_dir, source_dir, opt.overwrite);
    const fs::path out = clean_path(out_dir);
    std::error_code ec;

    fs::path src;
    if (!source_dir.empty()) {
        src = clean_path(source_dir);
        if (!fs::is_directory(src, ec))
            throw Error(src.string() + ": the input model folder does not exist (its tokenizer files are copied "
                                       "from there)");
    }

    const at::ScalarType dtype = parse_dtype(opt.dtype);

    nlohmann::ordered_json cfg;   // the source's keys in the source's order
    try {
        cfg = nlohmann::ordered_json::parse(config_json_text);
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
    if (const auto* d = dtype_of(stored)) cfg["torch_dtype"] = std::string(d->name);
    if (dtype == at::kHalf)   // float16 holds at most 65504: a larger weight would be written as infinity
        for (const auto& [name, t] : tensors)
            if (t.defined() && t.scalar_type() != at::kHalf && t.numel() > 0) {
                const double peak = t.detach().abs().max().item<double>();
                if (peak > 65504.0)
                    throw Error(out.string() + ": tensor \"" + name + "\" holds values up to " + std::to_string(peak) +
                                ", beyond float16's range (65504); export as bfloat16 or float32");
            }

    for (const auto& [name, text] : opt.extra_text_files)
        if (!plain_file_name(name) || name == "config.json")
            throw Error(out.string() + ": extra file name \"" + name + "\" is not allowed (plain names only, not config.json)");
    for (const auto& [name, from] : opt.extra_copied_files) {
        if (!plain_file_name(name) || name == "config.json")
            throw Error(out.string() + ": extra file name \"" + name + "\" is not allowed (plain names only, not config.json)");
        if (!fs::is_regular_file(from, ec)) throw Error(from.string() + ": file not found (to copy into " + out.string() + ")");
    }

    std::vector<std::string> side_files;
    if (!src.empty())
        for (int i = 0; kHfSideFiles[i]; ++i)
            if (side_file_to_copy(src, kHfSideFiles[i])) side_files.push_back(kHfSideFiles[i]);

    write_folder_atomic(out, "a model folder", [&](const fs::path& tmp) {
        std::function<void(double)> weights_progress;
        if (opt.progress) weights_progress = [&](double f) { opt.progress(0.99 * f); };
        save_safetensors_sharded(tmp, tensors, opt.max_shard_bytes, {{"format", "pt"}}, dtype, weights_progress);
        for (const auto& name : side_files) copy_file_synced(src / name, tmp / name);
        for (const auto& [name, from] : opt.extra_copied_files) copy_file_synced(from, tmp / name);
        for (const auto& [name, text] : opt.extra_text_files) write_file_atomic(tmp / name, text);
        write_file_atomic(tmp / "config.json", cfg.dump(2) + "\n");
    });
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
        if (!fs::exists(config, ec)) return fail(config.string() + ": missing");
        const json j = parse_json_input(read_regular_file(config, kMaxConfigBytes, "config.json"), config.string());
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

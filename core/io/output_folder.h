// Which folders llm-surgery may write, replace or delete. A folder is deleted or replaced only when this
// program created it: every folder it makes (model folders, their temporary twins, scratch folders) gets a
// marker file before anything else, and only a folder carrying that marker is ever removed. A user's folder
// (notes, projects, another tool's model) is refused with a message, never deleted. Torch-free: the CLI, the
// core writers and the UI share it.
#pragma once
#include <filesystem>
#include <string>

namespace llms::io {

// The marker file's name: hidden, outside the HF folder namespace (config / tokenizer / weights).
inline constexpr const char* kOutputMarker = ".llm-surgery-output";

// Writes the marker into dir (a folder this process has just created); `what` says what the folder is for.
// llms::Error when it cannot be written.
void write_output_marker(const std::filesystem::path& dir, const std::string& what);

// True when dir is a folder (not a symlink) carrying the marker as a regular file, or a folder an earlier
// version wrote before the marker existed (pretrain.json of format "llm-surgery pretrain", or
// llm_surgery_export.json, or surgery_report.json beside config.json). Never throws.
bool created_by_llm_surgery(const std::filesystem::path& dir);

// Absolute, normalized, without a trailing separator ("." gives the current folder itself).
std::filesystem::path clean_path(const std::filesystem::path& p);

// True when `inner` is `outer` or lies inside it: symlinks resolved, and bind mounts or other aliases caught by
// comparing every existing ancestor of `inner` with `outer` by identity.
bool same_or_inside(const std::filesystem::path& inner, const std::filesystem::path& outer);

// llms::Error unless dir may be deleted or replaced: it carries the marker (created_by_llm_surgery) and is not
// the root, the home folder, the current folder or one of its ancestors. `what` names the folder in the
// message ("the output folder", "the demo model folder").
void check_replaceable(const std::filesystem::path& dir, const std::string& what);

// Deletes dir when check_replaceable allows it, or when it is an empty folder that is not the root, the home
// folder, the current folder or an ancestor of it; nothing to do when it does not exist.
// llms::Error (and nothing deleted) otherwise.
void remove_owned_folder(const std::filesystem::path& dir, const std::string& what);

// A scratch folder: created and marked on construction (a marked leftover of a crashed run is replaced; a
// folder of the same name this program did not make is refused), removed on destruction.
class ScratchFolder {
public:
    ScratchFolder(std::filesystem::path dir, const std::string& what);
    ~ScratchFolder();
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    const std::filesystem::path path;
};

// The checks a model folder's writer makes, callable before any work starts (loading, training): out is given,
// not the root; not the input folder, inside it or around it; an existing out is a folder, and a non-empty one
// is replaced only with `overwrite` and only when check_replaceable allows it. llms::Error naming the problem.
void check_output_folder(const std::filesystem::path& out, const std::filesystem::path& source_dir, bool overwrite);

// A file about to be written: not in or under the input model folder (source_dir; may be empty), its folder existing
// and writable. llms::Error naming the file and what to do.
void check_new_file_place(const std::filesystem::path& file, const std::filesystem::path& source_dir);

// The checks for a report file written beside a run (`--report`): ends in .json (its .md twin is written
// beside it), is not inside the input folder, is not a folder, and its parent folder exists and is writable.
void check_report_path(const std::filesystem::path& report, const std::filesystem::path& source_dir);

}  // namespace llms::io

// One way to write a folder: readers see the old folder or the complete new one, never a mix, and a failure
// leaves nothing behind. Built in a sibling "<out>.partial-<pid>" (marked as llm-surgery's first: see
// output_folder.h), fsynced, and renamed into place (over an existing folder: one atomic exchange). Used by the
// HF model folder and the PEFT adapter folder writers. Torch-free.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace llms::io {

// Writes the folder `out`: fill(tmp) writes its content into the temporary folder (which already holds the marker),
// then it replaces whatever is at out. The caller has checked that out may be written (check_output_folder).
// Temporary folders of writers that died are removed first. `what` names the folder in messages ("a model folder").
// llms::Error naming out on failure (nothing new left behind; an existing out unchanged).
void write_folder_atomic(const std::filesystem::path& out, const std::string& what,
                         const std::function<void(const std::filesystem::path& tmp)>& fill);

}  // namespace llms::io

// Whole-file text I/O with checked reads and crash-safe writes (temporary file renamed into place).
// Used by the fact readers/writers and the corpus builder.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace llms::facts {

// The file's bytes; llms::Error naming the file and the reason when it cannot be opened or read.
// `what` describes the file for the message ("fact file", "corpus data file").
std::string read_text_file(const std::filesystem::path& path, std::string_view what);

// Writes `text` to "<path>.tmp", flushes, then renames it over `path` (readers never see a half file).
// The parent folder must exist. llms::Error naming the file on any failure (the temporary is removed).
void write_text_file_atomic(const std::filesystem::path& path, std::string_view text);

}  // namespace llms::facts

// Whole-file text I/O for the fact readers/writers and the corpus builder: io::read_regular_file (a regular file
// of at most 256 MiB) and io::write_file_atomic (unique temporary file, fsync, rename).
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace llms::facts {

// The file's bytes; llms::Error naming the file and the reason when it cannot be opened or read, is not a
// regular file or is larger than 256 MiB. `what` describes the file for the message ("fact file").
std::string read_text_file(const std::filesystem::path& path, std::string_view what);

// Writes `text` to path atomically (readers never see a half file). The parent folder must exist. llms::Error
// naming the file on any failure (nothing is left behind).
void write_text_file_atomic(const std::filesystem::path& path, std::string_view text);

}  // namespace llms::facts

#include "core/facts/text_file.h"

#include "core/io/atomic_write.h"
#include "core/io/read_file.h"

namespace llms::facts {

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
    return io::read_regular_file(path, io::kMaxDocumentBytes, what);
}

void write_text_file_atomic(const std::filesystem::path& path, std::string_view text) {
    io::write_file_atomic(path, text);
}

}  // namespace llms::facts

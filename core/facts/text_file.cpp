#include "core/facts/text_file.h"

#include "core/common/error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace llms::facts {

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot open " + std::string(what) + " " + path.string() + ": " + std::strerror(errno) +
                    " (check the path and permissions)");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        throw Error("cannot read " + std::string(what) + " " + path.string() + ": read error (is it a regular file?)");
    return std::move(ss).str();
}

void write_text_file_atomic(const std::filesystem::path& path, std::string_view text) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw Error("cannot create " + tmp.string() + ": " + std::strerror(errno) +
                        " (does the folder exist and is it writable?)");
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) {
            out.close();
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            throw Error("cannot write " + tmp.string() + " (disk full?); " + path.string() + " was left unchanged");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw Error("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
    }
}

}  // namespace llms::facts

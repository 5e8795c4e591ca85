// Helpers the test suites share: whole files as bytes, JSON files, and the message of an expected llms::Error.
#pragma once
#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

namespace llms::test {

// The file's bytes; std::runtime_error when it cannot be opened.
inline std::string read_bytes(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + p.string());
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// Replaces the file with `bytes`; std::runtime_error when it cannot be written.
inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), (std::streamsize)bytes.size());
    f.close();
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

inline nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(read_bytes(p)); }

// Runs f and returns the message of the llms::Error it throws; "" when it throws none.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace llms::test

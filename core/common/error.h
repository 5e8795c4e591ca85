// The one exception type of the core: its message is a complete, user-facing sentence
// (what went wrong, where, and what to do), printed as-is by the CLI and shown by the UI.
#pragma once
#include <stdexcept>
#include <string>

namespace llms {

struct Error : std::runtime_error {
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace llms

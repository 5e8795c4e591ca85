// Shared by the harnesses: a private temporary folder for the parsers that read files, a loud failure for a broken
// invariant (abort, so libFuzzer and the replay report it like a crash), and optional notes. Test code only.
#pragma once
#include "core/common/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace llms::fuzz {

// "accepted input broke a promise": prints what and aborts (a libFuzzer crash, a failed replay).
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}
inline void check(bool ok, const char* what) {
    if (!ok) fail(what);
}

// An input the parser refused with llms::Error: fine. With LLMS_FUZZ_VERBOSE=1 in the environment the message is
// printed (to see what a corpus file exercises: replay_<name> FILE).
inline void refused(const llms::Error& e) {
    static const bool verbose = std::getenv("LLMS_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
}
inline void accepted() {
    static const bool verbose = std::getenv("LLMS_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "accepted\n");
}

// A folder of its own under $TMPDIR (or /tmp) for this process, removed at exit.
class TempDir {
public:
    explicit TempDir(const char* tag) {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/llms-fuzz-" + tag + "-XXXXXX";
        if (!::mkdtemp(tmpl.data())) fail("cannot create a temporary folder");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Replaces the file's content with the given bytes (a plain, complete write; any failure aborts).
inline void write_file(const std::filesystem::path& path, const void* data, size_t size) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot write a temporary file");
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n <= 0) fail("cannot write a temporary file");
        p += n;
        size -= static_cast<size_t>(n);
    }
    ::close(fd);
}

}  // namespace llms::fuzz

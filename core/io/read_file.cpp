#include "core/io/read_file.h"

#include "core/common/error.h"
#include "core/common/memory_available.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

namespace llms::io {

std::string read_regular_file(const std::filesystem::path& path, uint64_t max_bytes, std::string_view what) {
    const std::string name = std::string(what) + " " + path.string();
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw Error("cannot open " + name + ": " + std::strerror(errno) + " (check the path and permissions)");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error("cannot read " + name + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw Error(name + " is not a regular file (a folder, a pipe or a device); give the path of a file");
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size > max_bytes)
        throw Error(name + " is " + format_bytes(static_cast<int64_t>(size)) + ", more than the " +
                    format_bytes(static_cast<int64_t>(max_bytes)) + " a " + std::string(what) +
                    " may have; is it the right file?");
    std::string bytes(size, '\0');
    size_t got = 0;
    while (got < size) {
        const ssize_t r = ::read(fd, bytes.data() + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error("cannot read " + name + ": " + std::strerror(errno));
        if (r == 0) break;   // the file shrank while we read it
        got += static_cast<size_t>(r);
    }
    bytes.resize(got);
    return bytes;
}

void pread_exact(int fd, uint64_t offset, void* dst, uint64_t n, uint64_t opened_size, const std::filesystem::path& path) {
    auto* out = static_cast<uint8_t*>(dst);
    while (n > 0) {
        const ssize_t got = ::pread(fd, out, std::min<uint64_t>(n, 1ull << 30), static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw Error(path.string() + ": cannot read (" + std::strerror(errno) + ")");
        if (got == 0)
            throw Error(path.string() + ": the file ends at byte " + std::to_string(offset) + " although it held " +
                        std::to_string(opened_size) + " bytes when it was opened: another program truncated or " +
                        "replaced it; wait until it is finished and open the model again");
        out += got;
        offset += static_cast<uint64_t>(got);
        n -= static_cast<uint64_t>(got);
    }
}

}  // namespace llms::io

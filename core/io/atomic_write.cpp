#include "core/io/atomic_write.h"

#include "core/common/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace llms::io {

namespace fs = std::filesystem;

void write_all(int fd, const void* data, size_t n, const fs::path& path) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw Error(path.string() + ": write failed (" + std::strerror(errno) + "); check the free disk space");
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void fsync_folder(const fs::path& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

void write_file_atomic(const fs::path& path, const std::function<void(int fd)>& write_body) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::string leaf = ".";
    leaf += path.filename().string();
    leaf += ".tmp-XXXXXX";
    const std::string tmpl = (dir / leaf).string();
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0)
        throw Error(path.string() + ": cannot create a file in " + dir.string() + " (" + std::strerror(errno) +
                    "); check that the folder exists and is writable");
    const fs::path tmp(name.data());
    bool open = true;
    try {
        (void)::fchmod(fd, 0644);   // mkstemp's 0600 would hide a shared model or report from other users
        write_body(fd);
        if (::fsync(fd) != 0)
            throw Error(path.string() + ": flushing to disk failed (" + std::strerror(errno) + "); check the disk");
        open = false;
        if (::close(fd) != 0)
            throw Error(path.string() + ": closing failed (" + std::strerror(errno) + "); check the free disk space");
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw Error(path.string() + ": cannot move the written file into place (" + std::strerror(errno) + ")");
    } catch (...) {
        if (open) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    fsync_folder(dir);
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    write_file_atomic(path, [&](int fd) { write_all(fd, bytes.data(), bytes.size(), path); });
}

}  // namespace llms::io

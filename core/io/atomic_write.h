// One way to write a file: readers see the old bytes or the new ones, never a mix, and a failure leaves nothing
// behind. A unique temporary file beside the target (mkstemp: O_EXCL, so a planted link is never followed), the
// bytes, fsync, rename over the target, fsync of the folder; on any failure the temporary is removed and the
// target is unchanged. Used by the safetensors and HF folder writers, fact files, projects and reports.
// Torch-free.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

namespace llms::io {

// Writes `bytes` to `path` atomically. The parent folder must exist. llms::Error naming the file and the cause.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// The same, with the content streamed by `write_body` into the temporary file's descriptor (write it with
// write_all); an exception from write_body removes the temporary and propagates.
void write_file_atomic(const std::filesystem::path& path, const std::function<void(int fd)>& write_body);

// Writes all n bytes to fd (retrying short writes and EINTR); llms::Error naming `path` on failure (disk full).
void write_all(int fd, const void* data, size_t n, const std::filesystem::path& path);

// fsync of a folder, so a rename inside it survives a power cut (best effort: some file systems refuse).
void fsync_folder(const std::filesystem::path& dir);

}  // namespace llms::io

// One way to read a whole file that may come from a stranger (a model folder, a fact file, a project): it must be
// a regular file (a FIFO, a device such as /dev/zero, or a folder is refused without blocking), at most
// `max_bytes` long, and it is read completely or not at all. Torch-free.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace llms::io {

// Size caps by kind of file: far above any real one, far below what would exhaust memory.
inline constexpr uint64_t kMaxConfigBytes = 4ull << 20;      // config.json, tokenizer_config.json, pretrain.json
inline constexpr uint64_t kMaxDocumentBytes = 256ull << 20;  // fact files, projects, held-out text
inline constexpr uint64_t kMaxTokenizerBytes = 64ull << 20;  // tokenizer.model / tokenizer.json

// The file's bytes. llms::Error naming the file, `what` it is ("fact file", "config.json") and what to do when it
// is missing, unreadable, not a regular file, or larger than max_bytes. Symlinks are followed (the HF cache is
// made of them); the file they reach must be regular.
std::string read_regular_file(const std::filesystem::path& path, uint64_t max_bytes, std::string_view what);

// Exactly n bytes at `offset` of the open descriptor fd into dst (short reads and EINTR retried). llms::Error naming
// `path` when it cannot be read, or when it ends early: the file held opened_size bytes when it was opened, and
// another program truncated or replaced it since (a pread, unlike a read through a mapping, never raises SIGBUS).
void pread_exact(int fd, uint64_t offset, void* dst, uint64_t n, uint64_t opened_size, const std::filesystem::path& path);

}  // namespace llms::io

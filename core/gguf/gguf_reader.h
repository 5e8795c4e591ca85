// Reads a GGUF v3 file (core/gguf/gguf_format.h) as strictly as the safetensors reader: every length, count and
// offset is checked against the file before it is used, so a damaged or hostile file is an llms::Error naming the
// file and the problem, never a crash or a huge allocation. For the model card, the tests and the audit's
// quantization attack; it knows the tensor types this project writes (F32, F16, BF16, Q8_0, Q4_0). Torch-free.
#pragma once
#include "core/gguf/gguf_metadata.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace llms::gguf {

struct TensorEntry {
    std::string name;
    std::vector<int64_t> shape;     // PyTorch order, outermost first (the file stores innermost first)
    TensorType type = TensorType::F32;
    uint64_t offset = 0;            // from the start of the file
    uint64_t bytes = 0;
    int64_t elements() const;
};

class GgufFile {
public:
    static GgufFile open(const std::filesystem::path& path);
    GgufFile(GgufFile&&) noexcept;
    ~GgufFile();

    uint32_t version() const;
    uint64_t alignment() const;
    const Metadata& metadata() const;
    const std::vector<TensorEntry>& tensors() const;
    const TensorEntry* find(const std::string& name) const;      // nullptr when absent
    std::string read(const TensorEntry& t) const;                // the raw bytes (pread)
    std::vector<float> read_floats(const TensorEntry& t) const;  // dequantized to float32

private:
    struct Impl;
    explicit GgufFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace llms::gguf

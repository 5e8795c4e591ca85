// Writes a GGUF v3 file (core/gguf/gguf_format.h) atomically: a temporary file beside the target, renamed into
// place once complete (io::write_file_atomic); the tensors are produced one at a time, so the memory used is one
// tensor's bytes. Torch-free.
#pragma once
#include "core/gguf/gguf_metadata.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace llms::gguf {

struct TensorInfo {
    std::string name;               // e.g. "blk.0.attn_q.weight" (under 64 bytes)
    std::vector<int64_t> shape;     // PyTorch order, outermost first ([rows, row length]); written innermost first
    TensorType type = TensorType::F32;
};

// tensor_data(i) returns the bytes of tensors[i] in its type (exactly tensor_bytes(type, elements)); progress
// gets the fraction of tensor bytes written. llms::Error naming the file or the tensor on any failure; nothing is
// left behind.
void write_gguf(const std::filesystem::path& out, const Metadata& metadata, const std::vector<TensorInfo>& tensors,
                const std::function<std::string(size_t i)>& tensor_data,
                const std::function<void(double)>& progress = {});

}  // namespace llms::gguf

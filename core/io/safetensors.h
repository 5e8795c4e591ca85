// safetensors: memory-mapped reader and writer (F32, BF16, F16; single file or sharded with an index).
// Format: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets:[b,e]},
// "__metadata__": {str: str}}, then the data buffer; offsets are relative to the buffer start.
// Reading maps the file (copy-on-write, never written back): tensor() is a view of the mapped bytes, so
// opening an N-byte checkpoint allocates no N bytes of memory; writing a returned tensor in place only
// copies the touched pages. read() copies a tensor out with pread instead: a file truncated or replaced by another
// program while it is read gives an llms::Error there, where touching a vanished page of a mapping kills the
// process with SIGBUS; the model loader uses read(). Writing goes to "<path>.tmp", fsync, then rename: a crash never leaves a
// half-written file under the final name.
#pragma once
#include <ATen/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llms::io {

struct TensorInfo {
    std::string name;
    std::string dtype;             // "F32" | "BF16" | "F16" (others are refused with a clear error)
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;   // byte offsets into the data buffer
};

// One .safetensors file, validated on open and kept memory-mapped while any returned tensor lives.
// Every failure throws llms::Error with one line naming the file (and tensor) at fault.
class SafetensorsFile {
public:
    static SafetensorsFile open(const std::filesystem::path& path);

    const std::filesystem::path& path() const;
    const std::vector<TensorInfo>& tensors() const;           // in file order (ascending data offset)
    const TensorInfo* find(std::string_view name) const;      // nullptr if absent
    const std::map<std::string, std::string>& metadata() const;
    // A CPU tensor over the mapped bytes (zero-copy when aligned), in the stored dtype.
    // The mapping stays alive as long as the tensor does. Throws if the name is absent. Touching it after another
    // program truncated the file raises SIGBUS: for weights that are read once, use read().
    at::Tensor tensor(std::string_view name) const;
    // A CPU tensor of its own holding the stored bytes (pread from the file), in the stored dtype. llms::Error if
    // the name is absent or the file ends early (it changed after open).
    at::Tensor read(std::string_view name) const;
    // read() into `dst` (same shape): straight into its memory when it is a contiguous CPU tensor of the stored
    // dtype (no second copy: loading a bf16 model into bf16 weights peaks at the weights' size), else read() and
    // copy_ (dtype conversion, device transfer).
    void read_into(std::string_view name, at::Tensor& dst) const;

    struct Impl;
private:
    std::shared_ptr<Impl> impl_;
};

// All weights of an HF model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json (every listed shard must exist and hold the tensors it is listed for).
class SafetensorsCheckpoint {
public:
    static SafetensorsCheckpoint open_folder(const std::filesystem::path& dir);
    std::vector<std::string> names() const;                   // sorted
    const TensorInfo* find(std::string_view name) const;
    at::Tensor tensor(std::string_view name) const;           // as SafetensorsFile::tensor
    at::Tensor read(std::string_view name) const;             // as SafetensorsFile::read
    void read_into(std::string_view name, at::Tensor& dst) const;   // as SafetensorsFile::read_into
    uint64_t total_bytes() const;                             // sum of tensor data sizes
    const std::vector<SafetensorsFile>& files() const;        // the file, or the shards in index order

private:
    std::filesystem::path dir_;
    std::vector<SafetensorsFile> files_;
    std::map<std::string, size_t, std::less<>> where_;        // tensor name -> index in files_
};

// Writes tensors (any CPU/CUDA tensor; stored as its dtype, which must be f32/bf16/f16) to one file,
// via a temporary file renamed into place. Data order: the given order within each element size, larger
// element sizes first (as the reference writer does, so every tensor stays aligned and reads zero-copy).
// The header is padded with spaces to a multiple of 8 bytes.
void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes tensors to dir (created if missing) as model.safetensors, or, when their total size exceeds
// max_shard_bytes, as model-0000i-of-0000n.safetensors shards (filled in the given order; a tensor larger
// than the limit gets a shard of its own) plus model.safetensors.index.json {"metadata": {"total_size"},
// "weight_map"} (HF layout). `metadata` goes into every file's __metadata__.
void save_safetensors_sharded(const std::filesystem::path& dir,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              uint64_t max_shard_bytes = 5ull << 30,
                              const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// As above, storing every tensor as `dtype` (at::ScalarType::Undefined: keep each tensor's dtype); each
// tensor is converted and copied to the CPU one at a time as it is written, so the whole model is never
// duplicated in memory. progress(fraction of bytes written) is called after every tensor.
void save_safetensors_sharded(const std::filesystem::path& dir,
                              const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              uint64_t max_shard_bytes, const std::map<std::string, std::string>& metadata,
                              at::ScalarType dtype, const std::function<void(double)>& progress);

// Pickle checkpoints (*.bin, *.pt, *.pth, *.ckpt) execute code when loaded: refused with this message.
std::string pickle_refusal_message(const std::filesystem::path& file);

}  // namespace llms::io

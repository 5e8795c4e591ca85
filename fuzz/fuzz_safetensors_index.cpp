// Fuzzes the sharded-checkpoint index: the input becomes model.safetensors.index.json in a private temporary folder
// that also holds a few fixed shards (valid ones, a duplicate holder of a tensor, a damaged one, one in a
// subfolder), and io::SafetensorsCheckpoint::open_folder reads it (JSON, weight_map, shard names that must stay
// inside the folder, every listed tensor present in its shard, no tensor in two shards). It must return or throw
// llms::Error. What it accepts is then checked: names() sorted and unique, find() and tensor() agree, total_bytes()
// the sum. Links LibTorch.
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "fuzz/fuzz_common.h"

#include <algorithm>
#include <cstring>
#include <string>

using namespace llms;

namespace {

// A safetensors file by hand: u64 header length, JSON header, data (filled with a pattern).
void write_shard(const std::filesystem::path& path, const std::string& header, size_t data_bytes) {
    std::string bytes(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    bytes += header;
    for (size_t i = 0; i < data_bytes; ++i) bytes += static_cast<char>(i * 7 + 1);
    fuzz::write_file(path, bytes.data(), bytes.size());
}

const fuzz::TempDir& folder() {
    static const fuzz::TempDir dir("safetensors-index");
    static const bool made = [] {
        const auto& d = dir.path();
        write_shard(d / "model-00001-of-00002.safetensors",
                    R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F16","shape":[1],"data_offsets":[8,10]}})", 10);
        write_shard(d / "model-00002-of-00002.safetensors",
                    R"({"c":{"dtype":"BF16","shape":[2,1],"data_offsets":[0,4]}})", 4);
        write_shard(d / "extra.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
        write_shard(d / "empty.safetensors", R"({})", 0);
        std::filesystem::create_directory(d / "sub");
        write_shard(d / "sub" / "d.safetensors", R"({"d":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", 4);
        fuzz::write_file(d / "broken.safetensors", "\xff\xff\xff\xff\xff\xff\xff\xff{}", 10);
        return true;
    }();
    (void)made;
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& dir = folder().path();
    fuzz::write_file(dir / "model.safetensors.index.json", data, size);
    try {
        const io::SafetensorsCheckpoint c = io::SafetensorsCheckpoint::open_folder(dir);
        fuzz::accepted();
        const std::vector<std::string> names = c.names();
        fuzz::check(!names.empty(), "accepted an index that lists no tensors");
        fuzz::check(std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) == names.end(),
                    "names() is not sorted and unique");
        uint64_t total = 0;
        for (const std::string& name : names) {
            const io::TensorInfo* t = c.find(name);
            fuzz::check(t != nullptr && t->name == name, "find() misses a listed tensor");
            const at::Tensor x = c.tensor(name);
            fuzz::check(static_cast<uint64_t>(x.nbytes()) == t->end - t->begin, "tensor() has another size than its offsets");
            total += t->end - t->begin;
        }
        fuzz::check(total == c.total_bytes(), "total_bytes() is not the sum of the tensors");
        fuzz::check(!c.files().empty(), "accepted an index without shards");
    } catch (const Error& e) {
        fuzz::refused(e);
    }
    return 0;
}

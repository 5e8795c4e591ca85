// Fuzzes the safetensors header parser: the input, written as a whole model.safetensors file to a private temporary
// folder, goes to io::SafetensorsFile::open (u64 header length, JSON header, every entry's dtype / shape /
// data_offsets, sizes, overlaps). It must return or throw llms::Error. What it accepts is then checked: every tensor
// lies inside the data buffer, the tensors do not overlap, find() finds each, and tensor() returns exactly the bytes
// at its offsets with its shape. Links LibTorch (at::Tensor views of the mapping).
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "fuzz/fuzz_common.h"

#include <cstring>

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fuzz::TempDir dir("safetensors");
    const std::filesystem::path path = dir.path() / "model.safetensors";
    fuzz::write_file(path, data, size);
    try {
        const io::SafetensorsFile f = io::SafetensorsFile::open(path);
        fuzz::accepted();
        fuzz::check(size >= 8, "accepted a file shorter than the 8-byte header length");
        uint64_t n = 0;
        std::memcpy(&n, data, 8);
        fuzz::check(n <= size - 8, "accepted a header that runs past the end of the file");
        const uint8_t* buffer = data + 8 + n;
        const uint64_t buffer_size = size - 8 - n;
        uint64_t prev_end = 0;
        for (const io::TensorInfo& t : f.tensors()) {
            fuzz::check(t.begin <= t.end && t.end <= buffer_size, "a tensor lies outside the data buffer");
            fuzz::check(t.begin >= prev_end, "tensors overlap or are out of order");
            prev_end = t.end;
            fuzz::check(f.find(t.name) == &t, "find() does not return the listed tensor");
            const at::Tensor x = f.tensor(t.name);
            fuzz::check(x.sizes().vec() == t.shape, "tensor() has another shape than the header");
            fuzz::check(static_cast<uint64_t>(x.nbytes()) == t.end - t.begin, "tensor() has another size than its offsets");
            if (x.nbytes() > 0)
                fuzz::check(std::memcmp(x.data_ptr(), buffer + t.begin, x.nbytes()) == 0,
                            "tensor() does not hold the bytes at its offsets");
        }
    } catch (const Error& e) {
        fuzz::refused(e);
    }
    return 0;
}

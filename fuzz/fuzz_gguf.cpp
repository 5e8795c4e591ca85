// Fuzzes the GGUF reader: the input, written as a whole .gguf file to a private temporary folder, goes to
// gguf::GgufFile::open (magic, version, counts, every key, value type, string, array, tensor name, dimension, type and
// offset). It must return or throw llms::Error. What it accepts is then checked: every tensor lies inside the file
// with whole blocks, names are unique, find() finds each, read() returns its byte count, read_floats() one float per
// element. Torch-free.
#include "core/common/error.h"
#include "core/gguf/gguf_reader.h"
#include "fuzz/fuzz_common.h"

#include <set>

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fuzz::TempDir dir("gguf");
    const std::filesystem::path path = dir.path() / "model.gguf";
    fuzz::write_file(path, data, size);
    try {
        const gguf::GgufFile f = gguf::GgufFile::open(path);
        fuzz::accepted();
        std::set<std::string> names;
        for (const gguf::TensorEntry& t : f.tensors()) {
            fuzz::check(names.insert(t.name).second, "accepted a tensor name twice");
            fuzz::check(t.offset <= size && t.bytes <= size - t.offset, "a tensor lies outside the file");
            fuzz::check(t.offset % f.alignment() == 0, "a tensor is not aligned");
            fuzz::check(f.find(t.name) == &t, "find() does not return the listed tensor");
            fuzz::check(gguf::tensor_bytes(t.type, t.elements()) == (int64_t)t.bytes, "a tensor's bytes disagree with its shape");
            fuzz::check(f.read(t).size() == t.bytes, "read() returned another size");
            if (t.elements() <= (1 << 20))
                fuzz::check(f.read_floats(t).size() == (size_t)t.elements(), "read_floats() returned another count");
        }
    } catch (const Error& e) {
        fuzz::refused(e);
    }
    return 0;
}

#include "core/gguf/gguf_writer.h"

#include "core/common/error.h"
#include "core/io/atomic_write.h"

#include <cstring>

namespace llms::gguf {

namespace {

template <class T>
void put(std::string& b, T v) {
    char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));   // the machines we build for are little-endian, as GGUF is
    b.append(raw, sizeof(T));
}

void put_string(std::string& b, const std::string& s) {
    put<uint64_t>(b, s.size());
    b += s;
}

void put_value(std::string& b, const Value& v, bool with_type) {
    if (with_type) put<uint32_t>(b, (uint32_t)v.type);
    switch (v.type) {
        case ValueType::U8: put<uint8_t>(b, (uint8_t)v.u); break;
        case ValueType::I8: put<int8_t>(b, (int8_t)v.i); break;
        case ValueType::U16: put<uint16_t>(b, (uint16_t)v.u); break;
        case ValueType::I16: put<int16_t>(b, (int16_t)v.i); break;
        case ValueType::U32: put<uint32_t>(b, (uint32_t)v.u); break;
        case ValueType::I32: put<int32_t>(b, (int32_t)v.i); break;
        case ValueType::F32: put<float>(b, (float)v.f); break;
        case ValueType::Bool: put<uint8_t>(b, v.b ? 1 : 0); break;
        case ValueType::String: put_string(b, v.s); break;
        case ValueType::U64: put<uint64_t>(b, v.u); break;
        case ValueType::I64: put<int64_t>(b, v.i); break;
        case ValueType::F64: put<double>(b, v.f); break;
        case ValueType::Array:
            put<uint32_t>(b, (uint32_t)v.elem);
            put<uint64_t>(b, v.items.size());
            for (const auto& item : v.items) {
                if (item.type != v.elem) throw Error("GGUF writer: an array mixes value types; please report this bug");
                put_value(b, item, false);
            }
            break;
    }
}

uint64_t padded(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

void write_gguf(const std::filesystem::path& out, const Metadata& metadata, const std::vector<TensorInfo>& tensors,
                const std::function<std::string(size_t)>& tensor_data, const std::function<void(double)>& progress) {
    // Header, metadata and tensor infos in memory (megabytes: the vocabulary), checked before the file is created.
    std::string head;
    put<uint32_t>(head, kMagic);
    put<uint32_t>(head, kVersion);
    put<uint64_t>(head, tensors.size());
    put<uint64_t>(head, metadata.entries().size());
    for (const auto& [key, value] : metadata.entries()) {
        put_string(head, key);
        put_value(head, value, true);
    }
    std::vector<uint64_t> sizes;
    uint64_t offset = 0, total = 0;
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name.size() > kMaxNameBytes)
            throw Error("GGUF: tensor name \"" + t.name + "\" must have 1 to 63 bytes");
        if (t.shape.empty() || t.shape.size() > kMaxDims)
            throw Error("GGUF: tensor \"" + t.name + "\" has " + std::to_string(t.shape.size()) + " dimensions (1 to 4)");
        int64_t n = 1;
        for (int64_t d : t.shape) n *= d;
        const int64_t bytes = tensor_bytes(t.type, n);
        if (bytes < 0)
            throw Error("GGUF: tensor \"" + t.name + "\" of " + std::to_string(n) + " elements cannot be stored as " +
                        type_name(t.type) + " (rows must be a multiple of 32 weights)");
        put_string(head, t.name);
        put<uint32_t>(head, (uint32_t)t.shape.size());
        for (size_t d = t.shape.size(); d-- > 0;) put<uint64_t>(head, (uint64_t)t.shape[d]);   // innermost first
        put<uint32_t>(head, (uint32_t)t.type);
        put<uint64_t>(head, offset);
        sizes.push_back((uint64_t)bytes);
        offset += padded((uint64_t)bytes);
        total += (uint64_t)bytes;
    }
    head.resize(padded(head.size()), '\0');

    io::write_file_atomic(out, [&](int fd) {
        io::write_all(fd, head.data(), head.size(), out);
        const std::string zeros(kAlignment, '\0');
        uint64_t done = 0;
        for (size_t i = 0; i < tensors.size(); ++i) {
            const std::string data = tensor_data(i);
            if (data.size() != sizes[i])
                throw Error("GGUF: tensor \"" + tensors[i].name + "\" came with " + std::to_string(data.size()) +
                            " bytes, not " + std::to_string(sizes[i]) + "; please report this bug");
            io::write_all(fd, data.data(), data.size(), out);
            io::write_all(fd, zeros.data(), padded(sizes[i]) - sizes[i], out);
            done += sizes[i];
            if (progress) progress(total ? (double)done / (double)total : 1.0);
        }
    });
}

}  // namespace llms::gguf

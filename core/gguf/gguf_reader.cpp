#include "core/gguf/gguf_reader.h"

#include "core/common/error.h"
#include "core/gguf/ggml_quants.h"
#include "core/io/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace llms::gguf {

namespace {

constexpr uint64_t kMaxStringBytes = 16u << 20;   // a chat template is kilobytes, a token a few bytes
constexpr int kMaxArrayDepth = 4;

// A buffered cursor over the file: every read is checked against the file size first.
class Cursor {
public:
    Cursor(int fd, uint64_t size, const std::string& path) : fd_(fd), size_(size), path_(path) {}
    uint64_t pos() const { return pos_; }
    uint64_t left() const { return size_ - pos_; }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(path_ + ": not a valid GGUF file: " + what + " (at byte " + std::to_string(pos_) + ")");
    }
    void need(uint64_t n, const char* what) const {
        if (n > left()) fail(std::string(what) + " runs past the end of the file");
    }
    void read(void* out, uint64_t n, const char* what) {
        need(n, what);
        auto* o = static_cast<char*>(out);
        while (n > 0) {
            if (pos_ < buf_pos_ || pos_ >= buf_pos_ + buf_.size()) fill();
            const uint64_t at = pos_ - buf_pos_, take = std::min<uint64_t>(n, buf_.size() - at);
            std::memcpy(o, buf_.data() + at, take);
            o += take, pos_ += take, n -= take;
        }
    }
    template <class T>
    T get(const char* what) {
        T v;
        read(&v, sizeof(T), what);
        return v;
    }
    std::string string(const char* what) {
        const uint64_t n = get<uint64_t>(what);
        if (n > kMaxStringBytes) fail(std::string(what) + " of " + std::to_string(n) + " bytes (at most 16 MiB)");
        need(n, what);
        std::string s(n, '\0');
        read(s.data(), n, what);
        return s;
    }
    void seek(uint64_t p) { pos_ = p; }

private:
    void fill() {
        buf_.resize(std::min<uint64_t>(1u << 20, size_ - pos_));
        io::pread_exact(fd_, pos_, buf_.data(), buf_.size(), size_, path_);
        buf_pos_ = pos_;
    }
    int fd_;
    uint64_t size_, pos_ = 0, buf_pos_ = 0;
    std::string buf_;
    const std::string& path_;
};

Value read_value(Cursor& c, ValueType type, int depth) {
    Value v;
    v.type = type;
    switch (type) {
        case ValueType::U8: v.u = c.get<uint8_t>("a value"); break;
        case ValueType::I8: v.i = c.get<int8_t>("a value"); break;
        case ValueType::U16: v.u = c.get<uint16_t>("a value"); break;
        case ValueType::I16: v.i = c.get<int16_t>("a value"); break;
        case ValueType::U32: v.u = c.get<uint32_t>("a value"); break;
        case ValueType::I32: v.i = c.get<int32_t>("a value"); break;
        case ValueType::F32: v.f = c.get<float>("a value"); break;
        case ValueType::Bool: {
            const uint8_t b = c.get<uint8_t>("a value");
            if (b > 1) c.fail("a bool of " + std::to_string(b));
            v.b = b == 1;
            break;
        }
        case ValueType::String: v.s = c.string("a string value"); break;
        case ValueType::U64: v.u = c.get<uint64_t>("a value"); break;
        case ValueType::I64: v.i = c.get<int64_t>("a value"); break;
        case ValueType::F64: v.f = c.get<double>("a value"); break;
        case ValueType::Array: {
            if (depth >= kMaxArrayDepth) c.fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth));
            const uint32_t elem = c.get<uint32_t>("an array type");
            if (elem > (uint32_t)ValueType::F64) c.fail("array element type " + std::to_string(elem));
            v.elem = (ValueType)elem;
            const uint64_t n = c.get<uint64_t>("an array length");
            // Every element takes at least one byte (a string at least eight): the count is bounded by the file.
            const uint64_t least = std::max<int64_t>(1, v.elem == ValueType::String ? 8 : scalar_bytes(v.elem));
            if (n > c.left() / least) c.fail("an array of " + std::to_string(n) + " elements, more than the file holds");
            v.items.reserve(n);
            for (uint64_t k = 0; k < n; ++k) v.items.push_back(read_value(c, v.elem, depth + 1));
            break;
        }
        default: c.fail("value type " + std::to_string((uint32_t)type));
    }
    return v;
}

}  // namespace

int64_t TensorEntry::elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

struct GgufFile::Impl {
    std::string path;
    int fd = -1;
    uint64_t size = 0;
    uint32_t version = 0;
    uint64_t alignment = kAlignment;
    Metadata metadata;
    std::vector<TensorEntry> tensors;
    ~Impl() {
        if (fd >= 0) ::close(fd);
    }
};

GgufFile::GgufFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

GgufFile GgufFile::open(const std::filesystem::path& path) {
    auto I = std::make_unique<Impl>();
    I->path = path.string();
    I->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (I->fd < 0) throw Error(I->path + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(I->fd, &st) != 0 || !S_ISREG(st.st_mode)) throw Error(I->path + ": not a regular file");
    I->size = (uint64_t)st.st_size;
    Cursor c(I->fd, I->size, I->path);

    if (c.get<uint32_t>("the magic") != kMagic) c.fail("it does not start with \"GGUF\"");
    I->version = c.get<uint32_t>("the version");
    if (I->version != 2 && I->version != 3) c.fail("version " + std::to_string(I->version) + " (this reader knows 2 and 3)");
    const uint64_t n_tensors = c.get<uint64_t>("the tensor count");
    const uint64_t n_kv = c.get<uint64_t>("the metadata count");
    // A key-value pair takes at least 13 bytes, a tensor info at least 29.
    if (n_kv > c.left() / 13) c.fail(std::to_string(n_kv) + " metadata entries, more than the file holds");
    if (n_tensors > c.left() / 29) c.fail(std::to_string(n_tensors) + " tensors, more than the file holds");

    std::set<std::string> keys;
    for (uint64_t k = 0; k < n_kv; ++k) {
        std::string key = c.string("a metadata key");
        if (key.empty() || key.size() > 65535) c.fail("a metadata key of " + std::to_string(key.size()) + " bytes");
        if (!keys.insert(key).second) c.fail("metadata key \"" + key + "\" appears twice");
        const uint32_t type = c.get<uint32_t>("a value type");
        if (type > (uint32_t)ValueType::F64) c.fail("value type " + std::to_string(type) + " of \"" + key + "\"");
        I->metadata.set(key, read_value(c, (ValueType)type, 0));
    }
    if (const Value* a = I->metadata.find("general.alignment")) {
        if (a->type != ValueType::U32 || a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > (1u << 20))
            c.fail("general.alignment must be a power of two (u32, at most 1 MiB)");
        I->alignment = a->u;
    }

    std::set<std::string> names;
    for (uint64_t k = 0; k < n_tensors; ++k) {
        TensorEntry t;
        t.name = c.string("a tensor name");
        if (t.name.empty() || t.name.size() > kMaxNameBytes) c.fail("a tensor name of " + std::to_string(t.name.size()) + " bytes");
        if (!names.insert(t.name).second) c.fail("tensor \"" + t.name + "\" appears twice");
        const uint32_t dims = c.get<uint32_t>("a dimension count");
        if (dims == 0 || dims > kMaxDims) c.fail("tensor \"" + t.name + "\" has " + std::to_string(dims) + " dimensions");
        t.shape.assign(dims, 0);
        uint64_t n = 1;
        for (uint32_t d = 0; d < dims; ++d) {
            const uint64_t size = c.get<uint64_t>("a dimension");
            if (size == 0 || size > (1ull << 40) || n > (1ull << 50) / size)
                c.fail("tensor \"" + t.name + "\" has a dimension of " + std::to_string(size));
            n *= size;
            t.shape[dims - 1 - d] = (int64_t)size;   // innermost first in the file
        }
        const uint32_t type = c.get<uint32_t>("a tensor type");
        int64_t block = 0, block_bytes = 0;
        if (!type_traits(type, &block, &block_bytes))
            c.fail("tensor \"" + t.name + "\" has type " + std::to_string(type) +
                   ", not one this reader knows (F32, F16, BF16, Q8_0, Q4_0)");
        t.type = (TensorType)type;
        if ((uint64_t)t.shape.back() % (uint64_t)block != 0)
            c.fail("tensor \"" + t.name + "\": rows of " + std::to_string(t.shape.back()) + " are not whole blocks of " +
                   std::to_string(block));
        t.bytes = n / (uint64_t)block * (uint64_t)block_bytes;
        t.offset = c.get<uint64_t>("a tensor offset");
        if (t.offset % I->alignment != 0) c.fail("tensor \"" + t.name + "\" is not aligned");
        I->tensors.push_back(std::move(t));
    }
    const uint64_t data = (c.pos() + I->alignment - 1) / I->alignment * I->alignment;
    for (auto& t : I->tensors) {
        if (t.offset > I->size || data > I->size - t.offset || t.bytes > I->size - data - t.offset)
            throw Error(I->path + ": not a valid GGUF file: tensor \"" + t.name + "\" lies outside the file (" +
                        std::to_string(I->size) + " bytes; is it truncated?)");
        t.offset += data;
    }
    return GgufFile(std::move(I));
}

uint32_t GgufFile::version() const { return impl_->version; }
uint64_t GgufFile::alignment() const { return impl_->alignment; }
const Metadata& GgufFile::metadata() const { return impl_->metadata; }
const std::vector<TensorEntry>& GgufFile::tensors() const { return impl_->tensors; }

const TensorEntry* GgufFile::find(const std::string& name) const {
    for (const auto& t : impl_->tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::string GgufFile::read(const TensorEntry& t) const {
    std::string out(t.bytes, '\0');
    io::pread_exact(impl_->fd, t.offset, out.data(), t.bytes, impl_->size, impl_->path);
    return out;
}

std::vector<float> GgufFile::read_floats(const TensorEntry& t) const {
    const std::string raw = read(t);
    const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
    const int64_t n = t.elements();
    std::vector<float> out((size_t)n);
    switch (t.type) {
        case TensorType::F32: std::memcpy(out.data(), p, (size_t)n * 4); break;
        case TensorType::F16:
            for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32((uint16_t)(p[2 * i] | (p[2 * i + 1] << 8)));
            break;
        case TensorType::BF16:
            for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32((uint16_t)(p[2 * i] | (p[2 * i + 1] << 8)));
            break;
        case TensorType::Q8_0: dequantize_q8_0(p, n, out.data()); break;
        case TensorType::Q4_0: dequantize_q4_0(p, n, out.data()); break;
    }
    return out;
}

}  // namespace llms::gguf

// safetensors reader (mmap and pread, strict header validation) and writer (tmp + fsync + rename), single or sharded.
#include "core/io/safetensors.h"

#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/common/shape_text.h"
#include "core/io/atomic_write.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace llms::io {

namespace fs = std::filesystem;
using json = nlohmann::json;

static_assert(std::endian::native == std::endian::little, "safetensors is little-endian; so is this reader");

namespace {

// Header and index caps. The reference implementation allows a 100 MB header, but parsed as JSON that costs several GB
// (a 99 MB header of one shape of zeros peaked at 2.5 GB). A real header holds about 100 bytes per tensor (Llama 3.1
// 405B: under 2,000 tensors per shard) and a real index about 100 bytes per tensor (DeepSeek-V3's 91,000 tensors:
// 9 MB), so these leave room while bounding the parse to a few hundred MB.
constexpr uint64_t kMaxHeaderBytes = 16ull << 20;
constexpr uint64_t kMaxIndexBytes = 32ull << 20;
constexpr size_t kMaxRank = 64;
constexpr const char* kSupported = "F32, BF16, F16";
constexpr const char* kDamaged = "the file is damaged or was not written as safetensors; re-download or re-export it";
constexpr const char* kTruncated = "the file is truncated (an incomplete download or copy?); re-download or re-export it";

// The name in double quotes.
// The name in double quotes, control characters escaped: a crafted tensor name must not move the terminal's
// cursor, set its title, or break a one-line error message.
std::string q(std::string_view s) {
    std::string r;
    r.reserve(s.size() + 2);
    r += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\x%02x", u);
            r += esc;
        } else {
            r += c;
        }
    }
    r += '"';
    return r;
}

// ---------------------------------------------------------------- dtypes

// Bytes per element; 0 for a code this reader does not load.
int64_t element_size(std::string_view dtype) {
    const auto* d = dtype_by_safetensors(dtype);
    return d ? d->bytes : 0;
}

// Of a code element_size accepted.
at::ScalarType scalar_type(std::string_view dtype) { return llms::scalar_type(*dtype_by_safetensors(dtype)); }

// "" when the scalar type cannot be stored.
std::string dtype_code(at::ScalarType st) {
    const auto* d = dtype_of(st);
    return d ? std::string(d->safetensors) : std::string();
}

// ---------------------------------------------------------------- the mapping

// The whole file, mapped copy-on-write: reads come from the page cache, an in-place write to a tensor
// copies only the touched page and never reaches the file. The descriptor stays open for read().
struct Mapping {
    void* addr = nullptr;
    size_t size = 0;
    int fd = -1;
    Mapping() = default;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() {
        if (addr) ::munmap(addr, size);
        if (fd >= 0) ::close(fd);
    }
    const uint8_t* bytes() const { return static_cast<const uint8_t*>(addr); }
};

std::shared_ptr<const Mapping> map_file(const fs::path& path) {
    // O_NONBLOCK: a FIFO named model.safetensors must not block the open; the S_ISREG check below refuses it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT) throw Error(path.string() + ": file not found");
        throw Error(path.string() + ": cannot open (" + std::strerror(err) + ")");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw Error(path.string() + ": cannot read its size (" + std::strerror(err) + ")");
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path.string() + ": not a regular file (expected a .safetensors file)");
    }
    const uint64_t size = (uint64_t)st.st_size;
    if (size < 8) {
        ::close(fd);
        throw Error(path.string() + ": file is " + std::to_string(size) +
                    " bytes, shorter than the 8-byte safetensors header length; " + kDamaged);
    }
    auto m = std::make_shared<Mapping>();
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED && errno == ENOMEM)   // strict overcommit may refuse a writable private map
        p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    if (p == MAP_FAILED) {
        ::close(fd);
        throw Error(path.string() + ": cannot memory-map the file (" + std::strerror(err) + ")");
    }
    m->addr = p;
    m->size = size;
    m->fd = fd;
    return m;
}

// n bytes at `offset` of the mapped file's descriptor into dst; llms::Error when the file now ends early.
void read_exact(const Mapping& m, const fs::path& path, uint64_t offset, void* dst, uint64_t n) {
    pread_exact(m.fd, offset, dst, n, m.size, path);
}

// ---------------------------------------------------------------- header validation

// A non-negative integer that fits int64, else an error naming the field.
int64_t as_count(const json& v, const fs::path& path, const std::string& name, const char* field, bool& negative) {
    negative = false;
    if (!v.is_number_integer())
        throw Error(path.string() + ": tensor " + q(name) + ": " + field + " must hold integers, found " + json_preview(v) +
                    "; " + kDamaged);
    if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u > (uint64_t)INT64_MAX)
            throw Error(path.string() + ": tensor " + q(name) + ": " + field + " value " + std::to_string(u) +
                        " is too large; " + kDamaged);
        return (int64_t)u;
    }
    const int64_t s = v.get<int64_t>();
    negative = s < 0;
    return s;
}

TensorInfo parse_entry(const fs::path& path, const std::string& name, const json& e) {
    const std::string where = path.string() + ": tensor " + q(name) + ": ";
    if (!e.is_object())
        throw Error(where + "header entry must be an object {dtype, shape, data_offsets}, found " +
                    std::string(e.type_name()) + "; " + kDamaged);
    TensorInfo t;
    t.name = name;

    auto d = e.find("dtype");
    if (d == e.end()) throw Error(where + "header entry has no \"dtype\"; " + kDamaged);
    if (!d->is_string()) throw Error(where + "\"dtype\" must be a string, found " + json_preview(*d) + "; " + kDamaged);
    t.dtype = d->get<std::string>();
    if (element_size(t.dtype) == 0)
        throw Error(where + "dtype " + t.dtype + " is not supported (supported: " + kSupported +
                    "); convert the model to float32, bfloat16 or float16 first");

    auto s = e.find("shape");
    if (s == e.end()) throw Error(where + "header entry has no \"shape\"; " + kDamaged);
    if (!s->is_array()) throw Error(where + "\"shape\" must be an array of integers, found " + json_preview(*s) + "; " + kDamaged);
    if (s->size() > kMaxRank)
        throw Error(where + "shape has " + std::to_string(s->size()) + " dimensions (at most " +
                    std::to_string(kMaxRank) + " are read); " + kDamaged);
    for (const auto& v : *s) {
        bool negative = false;
        const int64_t dim = as_count(v, path, name, "shape", negative);
        if (negative)
            throw Error(where + "shape " + json_preview(*s) + " has a negative dimension; " + kDamaged);
        t.shape.push_back(dim);
    }

    auto o = e.find("data_offsets");
    if (o == e.end()) throw Error(where + "header entry has no \"data_offsets\"; " + kDamaged);
    if (!o->is_array() || o->size() != 2)
        throw Error(where + "\"data_offsets\" must be an array [begin, end], found " + json_preview(*o) + "; " + kDamaged);
    bool nb = false, ne = false;
    const int64_t b = as_count((*o)[0], path, name, "data_offsets", nb);
    const int64_t en = as_count((*o)[1], path, name, "data_offsets", ne);
    if (nb || ne) throw Error(where + "data_offsets " + json_preview(*o) + " are negative; " + kDamaged);
    t.begin = (uint64_t)b;
    t.end = (uint64_t)en;
    return t;
}

// Bytes the shape needs at this element size; nullopt-like -1 on overflow.
int64_t shape_bytes(const TensorInfo& t) {
    int64_t n = element_size(t.dtype);
    for (int64_t d : t.shape)
        if (__builtin_mul_overflow(n, d, &n)) return -1;
    return n;
}

}  // namespace

// ---------------------------------------------------------------- SafetensorsFile

struct SafetensorsFile::Impl {
    fs::path path;
    std::shared_ptr<const Mapping> map;
    const uint8_t* data = nullptr;   // start of the data buffer (after the header)
    uint64_t data_size = 0;
    std::vector<TensorInfo> tensors;   // ascending begin
    std::map<std::string, size_t, std::less<>> index;
    std::map<std::string, std::string> metadata;
};

SafetensorsFile SafetensorsFile::open(const fs::path& path) {
    auto impl = std::make_shared<Impl>();
    impl->path = path;
    impl->map = map_file(path);
    const std::string p = path.string();
    const uint64_t file_size = impl->map->size;

    uint64_t n = 0;   // the header is read with pread too: no SIGBUS if the file shrinks meanwhile
    read_exact(*impl->map, path, 0, &n, 8);
    if (n == 0) throw Error(p + ": header length is 0 (a safetensors header is at least \"{}\"); " + kDamaged);
    if (n > kMaxHeaderBytes)
        throw Error(p + ": header length " + std::to_string(n) + " bytes exceeds the 16 MiB this program reads (real " +
                    "headers are well under 1 MB); " + kDamaged);
    if (n > file_size - 8)
        throw Error(p + ": header length " + std::to_string(n) + " bytes runs past the end of the " +
                    std::to_string(file_size) + "-byte file; " + kTruncated);

    std::string h(n, '\0');
    read_exact(*impl->map, path, 8, h.data(), n);
    json header;
    std::set<std::string> names;
    std::string twice;   // a tensor named twice: JSON keeps the last silently, so the header is ambiguous
    const JsonKeyObserver note_names = [&](int depth, const std::string& key) {
        if (depth == 1 && !names.insert(key).second && twice.empty()) twice = key;
    };
    try {
        header = parse_json_input(h, p + ": header", note_names);
    } catch (const Error& e) {
        throw Error(std::string(e.what()) + "; " + kDamaged);
    }
    if (!twice.empty()) throw Error(p + ": header names tensor " + q(twice) + " twice; " + kDamaged);
    if (!header.is_object())
        throw Error(p + ": header must be a JSON object, found " + std::string(header.type_name()) + "; " + kDamaged);

    impl->data = impl->map->bytes() + 8 + n;
    impl->data_size = file_size - 8 - n;

    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object())
                throw Error(p + ": __metadata__ must be an object of strings, found " + std::string(it->type_name()) +
                            "; " + kDamaged);
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string())
                    throw Error(p + ": __metadata__ value for " + q(m.key()) + " must be a string, found " + json_preview(*m) +
                                "; " + kDamaged);
                impl->metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        TensorInfo t = parse_entry(path, it.key(), it.value());
        const std::string where = p + ": tensor " + q(t.name) + ": ";
        if (t.begin > t.end)
            throw Error(where + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                        "] begin after end; " + kDamaged);
        if (t.end > impl->data_size)
            throw Error(where + "data_offsets end " + std::to_string(t.end) + " is beyond the " +
                        std::to_string(impl->data_size) + "-byte data buffer; " + kTruncated);
        const int64_t need = shape_bytes(t);
        if (need < 0 || (uint64_t)need != t.end - t.begin)
            throw Error(where + "shape " + shape_text(t.shape) + " of " + t.dtype + " needs " +
                        (need < 0 ? std::string("more than 2^63") : std::to_string(need)) + " bytes but data_offsets [" +
                        std::to_string(t.begin) + ", " + std::to_string(t.end) + "] span " +
                        std::to_string(t.end - t.begin) + "; " + kDamaged);
        impl->tensors.push_back(std::move(t));
    }

    std::sort(impl->tensors.begin(), impl->tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < impl->tensors.size(); ++i) {
        const TensorInfo& a = impl->tensors[i - 1];
        const TensorInfo& b = impl->tensors[i];
        if (b.begin < a.end)
            throw Error(p + ": tensors " + q(a.name) + " [" + std::to_string(a.begin) + ", " + std::to_string(a.end) +
                        ") and " + q(b.name) + " [" + std::to_string(b.begin) + ", " + std::to_string(b.end) +
                        ") overlap in the data buffer; " + kDamaged);
    }
    for (size_t i = 0; i < impl->tensors.size(); ++i) impl->index.emplace(impl->tensors[i].name, i);

    SafetensorsFile f;
    f.impl_ = std::move(impl);
    return f;
}

const fs::path& SafetensorsFile::path() const { return impl_->path; }
const std::vector<TensorInfo>& SafetensorsFile::tensors() const { return impl_->tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return impl_->metadata; }

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
    auto it = impl_->index.find(name);
    return it == impl_->index.end() ? nullptr : &impl_->tensors[it->second];
}

at::Tensor SafetensorsFile::tensor(std::string_view name) const {
    const TensorInfo* t = find(name);
    if (!t) throw Error(impl_->path.string() + ": no tensor " + q(name) + " in this file");
    const auto opts = at::TensorOptions().dtype(scalar_type(t->dtype)).device(at::kCPU);
    const uint64_t bytes = t->end - t->begin;
    if (bytes == 0) return at::empty(t->shape, opts);
    const uint8_t* src = impl_->data + t->begin;
    if (reinterpret_cast<uintptr_t>(src) % (uintptr_t)element_size(t->dtype) != 0) {
        // Misaligned (a header not padded to the element size): a copy, since kernels assume alignment.
        at::Tensor out = at::empty(t->shape, opts);
        std::memcpy(out.data_ptr(), src, bytes);
        return out;
    }
    std::shared_ptr<const Mapping> keep = impl_->map;   // the tensor owns a reference to the mapping
    return at::from_blob(const_cast<uint8_t*>(src), t->shape, [keep](void*) {}, opts);
}

at::Tensor SafetensorsFile::read(std::string_view name) const {
    const TensorInfo* t = find(name);
    if (!t) throw Error(impl_->path.string() + ": no tensor " + q(name) + " in this file");
    at::Tensor out = at::empty(t->shape, at::TensorOptions().dtype(scalar_type(t->dtype)).device(at::kCPU));
    const uint64_t data_start = static_cast<uint64_t>(impl_->data - impl_->map->bytes());
    read_exact(*impl_->map, impl_->path, data_start + t->begin, out.data_ptr(), t->end - t->begin);
    return out;
}

void SafetensorsFile::read_into(std::string_view name, at::Tensor& dst) const {
    const TensorInfo* t = find(name);
    if (!t) throw Error(impl_->path.string() + ": no tensor " + q(name) + " in this file");
    if (at::IntArrayRef(t->shape) != dst.sizes())
        throw Error(impl_->path.string() + ": tensor " + q(name) + " is " + shape_text(t->shape) + ", not " +
                    shape_text(std::vector<int64_t>(dst.sizes().begin(), dst.sizes().end())));
    if (dst.device().is_cpu() && dst.is_contiguous() && dst.scalar_type() == scalar_type(t->dtype)) {
        const uint64_t data_start = static_cast<uint64_t>(impl_->data - impl_->map->bytes());
        read_exact(*impl_->map, impl_->path, data_start + t->begin, dst.data_ptr(), t->end - t->begin);
        return;
    }
    dst.copy_(read(name));
}

// ---------------------------------------------------------------- SafetensorsCheckpoint

std::string pickle_refusal_message(const fs::path& file) {
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    return file.string() +
           ": pickle checkpoints (.bin, .pt, .pth, .ckpt) are refused because loading a pickle file runs any code "
           "it contains; convert the model to safetensors once, e.g. in Python: from transformers import "
           "AutoModelForCausalLM; AutoModelForCausalLM.from_pretrained(\"" + dir.string() +
           "\").save_pretrained(\"" + dir.string() + "-safetensors\", safe_serialization=True) (then copy the "
           "tokenizer files beside it)";
}

namespace {

// A weight_map value must name a file inside the folder.
bool plain_relative(const fs::path& p) {
    if (p.empty() || p.is_absolute()) return false;
    for (const auto& part : p)
        if (part == "..") return false;
    return true;
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open_folder(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw Error(dir.string() + ": folder not found");
    if (!fs::is_directory(dir, ec))
        throw Error(dir.string() + ": not a folder (a model folder holds config.json, model.safetensors and "
                                   "tokenizer.model)");
    SafetensorsCheckpoint c;
    c.dir_ = dir;
    const fs::path single = dir / "model.safetensors";
    const fs::path index = dir / "model.safetensors.index.json";

    if (fs::exists(single, ec) && fs::exists(index, ec))
        throw Error(dir.string() + ": holds both model.safetensors and model.safetensors.index.json, so which weights "
                                   "are meant is ambiguous (one is probably stale): remove the one that does not belong");
    if (fs::exists(single, ec)) {
        c.files_.push_back(SafetensorsFile::open(single));
        for (const auto& t : c.files_[0].tensors()) c.where_.emplace(t.name, 0);
        return c;
    }

    if (fs::exists(index, ec)) {
        const std::string ip = index.string();
        json j;
        try {
            j = parse_json_input(read_regular_file(index, kMaxIndexBytes, "shard index"), ip);
        } catch (const Error& e) {
            throw Error(std::string(e.what()) + "; re-download or re-export the model");
        }
        if (!j.is_object()) throw Error(ip + ": must be a JSON object with a \"weight_map\"");
        if (j.contains("metadata") && !j["metadata"].is_object())
            throw Error(ip + ": \"metadata\" must be an object");
        auto wm = j.find("weight_map");
        if (wm == j.end()) throw Error(ip + ": no \"weight_map\" {tensor name: shard file}; re-export the model");
        if (!wm->is_object()) throw Error(ip + ": \"weight_map\" must be an object {tensor name: shard file}");
        if (wm->empty()) throw Error(ip + ": \"weight_map\" lists no tensors");

        std::map<std::string, size_t> shard_index;   // shard file name -> index in files_
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            if (!it->is_string())
                throw Error(ip + ": weight_map entry for tensor " + q(it.key()) + " must be a file name, found " +
                            json_preview(*it));
            const std::string shard = it->get<std::string>();
            if (!plain_relative(shard))
                throw Error(ip + ": weight_map entry for tensor " + q(it.key()) + " names " + q(shard) +
                            ", which is not a file inside the model folder");
            if (shard_index.count(shard)) continue;
            const fs::path sp = dir / shard;
            if (!fs::exists(sp, ec))
                throw Error(ip + ": shard " + q(shard) + " (listed for tensor " + q(it.key()) + ") does not exist in " +
                            dir.string() + "; the download is incomplete, fetch the missing shard");
            shard_index.emplace(shard, c.files_.size());
            c.files_.push_back(SafetensorsFile::open(sp));
        }
        for (auto it = wm->begin(); it != wm->end(); ++it) {
            const std::string shard = it->get<std::string>();
            if (!c.files_[shard_index.at(shard)].find(it.key()))
                throw Error(ip + ": lists tensor " + q(it.key()) + " in shard " + q(shard) +
                            ", but that shard does not contain it; re-download or re-export the model");
        }
        for (size_t i = 0; i < c.files_.size(); ++i) {
            for (const auto& t : c.files_[i].tensors()) {
                auto [pos, fresh] = c.where_.emplace(t.name, i);
                if (!fresh)
                    throw Error(ip + ": tensor " + q(t.name) + " is stored in two shards, " +
                                c.files_[pos->second].path().filename().string() + " and " +
                                c.files_[i].path().filename().string() + "; re-export the model");
            }
        }
        return c;
    }

    std::vector<fs::path> pickles, other_safetensors;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt") pickles.push_back(e.path());
        if (ext == ".safetensors") other_safetensors.push_back(e.path());
    }
    std::sort(pickles.begin(), pickles.end());
    std::sort(other_safetensors.begin(), other_safetensors.end());
    if (!pickles.empty()) throw Error(pickle_refusal_message(pickles.front()));
    if (!other_safetensors.empty())
        throw Error(dir.string() + ": no model.safetensors or model.safetensors.index.json (found " +
                    other_safetensors.front().filename().string() +
                    "); an HF model folder names its weights model.safetensors — rename the file if it holds the "
                    "whole model");
    throw Error(dir.string() + ": no model weights in this folder (expected model.safetensors or "
                               "model.safetensors.index.json); choose an HF model folder");
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
    std::vector<std::string> out;
    out.reserve(where_.size());
    for (const auto& [name, i] : where_) out.push_back(name);
    return out;
}

const TensorInfo* SafetensorsCheckpoint::find(std::string_view name) const {
    auto it = where_.find(name);
    return it == where_.end() ? nullptr : files_[it->second].find(name);
}

at::Tensor SafetensorsCheckpoint::tensor(std::string_view name) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw Error(dir_.string() + ": the checkpoint has no tensor " + q(name));
    return files_[it->second].tensor(name);
}

at::Tensor SafetensorsCheckpoint::read(std::string_view name) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw Error(dir_.string() + ": the checkpoint has no tensor " + q(name));
    return files_[it->second].read(name);
}

void SafetensorsCheckpoint::read_into(std::string_view name, at::Tensor& dst) const {
    auto it = where_.find(name);
    if (it == where_.end()) throw Error(dir_.string() + ": the checkpoint has no tensor " + q(name));
    files_[it->second].read_into(name, dst);
}

uint64_t SafetensorsCheckpoint::total_bytes() const {
    uint64_t sum = 0;
    for (const auto& [name, i] : where_) {
        const TensorInfo* t = files_[i].find(name);
        sum += t->end - t->begin;
    }
    return sum;
}

const std::vector<SafetensorsFile>& SafetensorsCheckpoint::files() const { return files_; }

// ---------------------------------------------------------------- writer

namespace {

struct Item {
    const std::string* name;
    const at::Tensor* tensor;
    at::ScalarType stored;   // dtype written
    uint64_t bytes;
};

// Checks names and dtypes; returns the items with their stored dtype and size.
std::vector<Item> plan(const fs::path& where, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       at::ScalarType dtype) {
    std::vector<Item> items;
    std::set<std::string_view> seen;
    for (const auto& [name, t] : tensors) {
        if (name.empty()) throw Error(where.string() + ": cannot write a tensor with an empty name");
        if (name == "__metadata__") throw Error(where.string() + ": \"__metadata__\" is reserved and cannot name a tensor");
        if (!seen.insert(name).second) throw Error(where.string() + ": tensor " + q(name) + " is given twice");
        if (!t.defined()) throw Error(where.string() + ": tensor " + q(name) + " is undefined (no data)");
        const at::ScalarType st = dtype == at::ScalarType::Undefined ? t.scalar_type() : dtype;
        if (dtype_code(st).empty())
            throw Error(where.string() + ": tensor " + q(name) + " has dtype " + std::string(c10::toString(st)) +
                        ", which safetensors files here cannot store (supported: " + kSupported + ")");
        if (dtype != at::ScalarType::Undefined && !at::isFloatingType(t.scalar_type()))
            throw Error(where.string() + ": tensor " + q(name) + " has dtype " +
                        std::string(c10::toString(t.scalar_type())) + "; only floating-point tensors are converted");
        items.push_back({&name, &t, st, (uint64_t)t.numel() * (uint64_t)c10::elementSize(st)});
    }
    return items;
}

struct Progress {
    uint64_t total = 0, done = 0;
    const std::function<void(double)>* cb = nullptr;
    void add(uint64_t n) {
        done += n;
        if (cb && *cb) (*cb)(total ? (double)done / (double)total : 1.0);
    }
};

// One file: header (metadata first, then the tensors in data order), padded to 8 bytes, then the data.
void write_file(const fs::path& path, std::vector<Item> items, const std::map<std::string, std::string>& metadata,
                Progress& progress) {
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return c10::elementSize(a.stored) > c10::elementSize(b.stored);
    });
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const Item& it : items) {
        const auto sizes = it.tensor->sizes();
        header[*it.name] = {{"dtype", dtype_code(it.stored)},
                            {"shape", std::vector<int64_t>(sizes.begin(), sizes.end())},
                            {"data_offsets", {offset, offset + it.bytes}}};
        offset += it.bytes;
    }
    std::string h = header.dump();
    h.append((8 - h.size() % 8) % 8, ' ');
    const uint64_t n = h.size();

    write_file_atomic(path, [&](int fd) {
        write_all(fd, &n, 8, path);
        write_all(fd, h.data(), h.size(), path);
        for (const Item& it : items) {
            at::Tensor c = it.tensor->detach().to(at::kCPU, it.stored).contiguous();   // one tensor at a time
            write_all(fd, c.data_ptr(), it.bytes, path);
            progress.add(it.bytes);
        }
    });
}

}  // namespace

void save_safetensors(const fs::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    Progress none;
    write_file(path, plan(path, tensors, at::ScalarType::Undefined), metadata, none);
}

void save_safetensors_sharded(const fs::path& dir, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              uint64_t max_shard_bytes, const std::map<std::string, std::string>& metadata) {
    save_safetensors_sharded(dir, tensors, max_shard_bytes, metadata, at::ScalarType::Undefined, {});
}

void save_safetensors_sharded(const fs::path& dir, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                              uint64_t max_shard_bytes, const std::map<std::string, std::string>& metadata,
                              at::ScalarType dtype, const std::function<void(double)>& progress) {
    if (max_shard_bytes == 0) throw Error(dir.string() + ": the maximum shard size must be more than 0 bytes");
    std::vector<Item> items = plan(dir, tensors, dtype);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir.string() + ": cannot create the folder (" + ec.message() + ")");

    Progress pr;
    pr.cb = &progress;
    for (const Item& it : items) pr.total += it.bytes;

    if (pr.total <= max_shard_bytes) {
        write_file(dir / "model.safetensors", items, metadata, pr);
        return;
    }
    // Fill shards in order; a tensor larger than the limit gets a shard of its own.
    std::vector<std::vector<Item>> shards(1);
    uint64_t in_shard = 0;
    for (const Item& it : items) {
        if (!shards.back().empty() && in_shard + it.bytes > max_shard_bytes) {
            shards.emplace_back();
            in_shard = 0;
        }
        shards.back().push_back(it);
        in_shard += it.bytes;
    }
    json weight_map = json::object();
    for (size_t i = 0; i < shards.size(); ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
        write_file(dir / name, shards[i], metadata, pr);
        for (const Item& it : shards[i]) weight_map[*it.name] = name;
    }
    const json index = {{"metadata", {{"total_size", pr.total}}}, {"weight_map", weight_map}};
    write_file_atomic(dir / "model.safetensors.index.json", index.dump(2) + "\n");
}

}  // namespace llms::io

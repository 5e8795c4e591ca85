#include "core/edit/key_covariance.h"

#include "core/common/error.h"
#include "core/edit/hooked_forward.h"
#include "core/io/atomic_write.h"
#include "core/io/read_file.h"

#include <torch/torch.h>

#include <cstdlib>
#include <cstring>

namespace llms::edit {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'L', 'L', 'M', 'S', 'C', 'O', 'V', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 8 + 4 * 4 + 8 * 4;

// 64-bit hash of bytes: FNV-1a over 8-byte words, splitmix64's finalizer at the end.
struct Hash64 {
    uint64_t h = 0xcbf29ce484222325ull;
    void add(const void* data, size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            std::memcpy(&w, p + i, 8);
            h = (h ^ w) * 0x100000001b3ull;
        }
        for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    }
    void add_u64(uint64_t v) { add(&v, 8); }
    uint64_t value() const {
        uint64_t z = h + 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

void hash_tensor(Hash64& h, const at::Tensor& t) {
    auto c = t.detach().cpu().contiguous();
    h.add(c.data_ptr(), c.numel() * c.element_size());
}

uint64_t sample_identity(const std::vector<std::vector<int32_t>>& texts, int64_t max_tokens) {
    Hash64 h;
    h.add_u64((uint64_t)max_tokens);
    for (const auto& t : texts) {
        h.add_u64(t.size());
        h.add(t.data(), t.size() * sizeof(int32_t));
    }
    return h.value();
}

std::string hex(uint64_t v) {
    char b[17];
    std::snprintf(b, sizeof b, "%016llx", (unsigned long long)v);
    return b;
}

template <class T>
T read_le(const std::string& s, size_t at) {
    T v;
    std::memcpy(&v, s.data() + at, sizeof v);
    return v;
}

// The cached C when the file matches in every field, else undefined with the reason in *why.
at::Tensor read_cache(const fs::path& file, int64_t F, int64_t layer, uint64_t model_id, uint64_t sample_id,
                      int64_t* tokens, std::string* why) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return {};
    const uint64_t expected = kHeader + (uint64_t)F * F * 8;
    std::string bytes;
    try {
        bytes = io::read_regular_file(file, expected, "key covariance cache");
    } catch (const Error& e) {
        *why = e.what();
        return {};
    }
    auto bad = [&](const std::string& what) {
        *why = file.string() + ": " + what + "; recomputed";
        return at::Tensor();
    };
    if (bytes.size() != expected) return bad("size " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expected));
    if (std::memcmp(bytes.data(), kMagic, 8) != 0) return bad("not a key covariance file");
    if (read_le<uint32_t>(bytes, 8) != kVersion) return bad("unknown version");
    if (read_le<uint32_t>(bytes, 12) != (uint32_t)F || read_le<uint32_t>(bytes, 16) != (uint32_t)layer)
        return bad("another layer or model shape");
    const auto n = read_le<uint64_t>(bytes, 24);
    if (read_le<uint64_t>(bytes, 32) != model_id || read_le<uint64_t>(bytes, 40) != sample_id) return bad("another model or sample");
    Hash64 h;
    h.add(bytes.data() + kHeader, bytes.size() - kHeader);
    if (read_le<uint64_t>(bytes, 48) != h.value()) return bad("checksum mismatch (corrupt)");
    auto C = at::empty({F, F}, at::kDouble);
    std::memcpy(C.data_ptr<double>(), bytes.data() + kHeader, (size_t)F * F * 8);
    if (!at::isfinite(C).all().item<bool>() || n == 0) return bad("non-finite values");
    *tokens = (int64_t)n;
    return C;
}

void write_cache(const fs::path& file, const at::Tensor& C, int64_t layer, uint64_t model_id, uint64_t sample_id,
                 int64_t tokens) {
    const int64_t F = C.size(0);
    std::string bytes(kHeader + (size_t)F * F * 8, '\0');
    std::memcpy(bytes.data(), kMagic, 8);
    const uint32_t u32[4] = {kVersion, (uint32_t)F, (uint32_t)layer, 0};
    std::memcpy(bytes.data() + 8, u32, sizeof u32);
    auto c = C.contiguous();
    std::memcpy(bytes.data() + kHeader, c.data_ptr<double>(), (size_t)F * F * 8);
    Hash64 h;
    h.add(bytes.data() + kHeader, bytes.size() - kHeader);
    const uint64_t u64[4] = {(uint64_t)tokens, model_id, sample_id, h.value()};
    std::memcpy(bytes.data() + 24, u64, sizeof u64);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    io::write_file_atomic(file, bytes);
}

}  // namespace

fs::path default_covariance_cache() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x && fs::path(x).is_absolute())
        return fs::path(x) / "llm-surgery" / "covariance";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "llm-surgery" / "covariance";
    return {};
}

uint64_t model_identity(LoadedModel& m, int64_t layer) {
    torch::NoGradGuard ng;
    Hash64 h;
    const std::string cfg = m.config.to_json_text();
    h.add(cfg.data(), cfg.size());
    h.add_u64((uint64_t)layer);
    const std::string prefix = "model.layers.";
    for (auto& [name, t] : hf_named_tensors(m.net)) {
        bool needed = name == "model.embed_tokens.weight";
        if (name.rfind(prefix, 0) == 0) needed = std::stoll(name.substr(prefix.size())) <= layer;
        if (!needed) continue;
        h.add(name.data(), name.size());
        hash_tensor(h, t);
    }
    return h.value();
}

at::Tensor key_covariance_uncached(LoadedModel& m, int64_t layer, const std::vector<std::vector<int32_t>>& texts,
                                   int64_t max_tokens, int64_t* tokens_used) {
    CovarianceOptions o;
    o.max_tokens = max_tokens;
    auto c = key_covariance(m, layer, texts, o);
    if (tokens_used) *tokens_used = c.tokens;
    return c.C;
}

Covariance key_covariance(LoadedModel& m, int64_t layer, const std::vector<std::vector<int32_t>>& texts,
                          const CovarianceOptions& o) {
    torch::NoGradGuard ng;
    Covariance out;
    const int64_t F = m.config.intermediate_size;
    int64_t total = 0;
    for (const auto& t : texts) total += (int64_t)t.size();
    total = std::min(total, o.max_tokens);
    if (total <= 0) throw Error("no text for the key covariance: give a retain pool or held-out text");

    fs::path file;
    uint64_t model_id = 0, sample_id = 0;
    if (!o.cache_dir.empty()) {
        model_id = model_identity(m, layer);
        sample_id = sample_identity(texts, o.max_tokens);
        file = o.cache_dir / ("cov-" + hex(model_id) + "-" + hex(sample_id) + "-L" + std::to_string(layer) + "-n" +
                              std::to_string(o.max_tokens) + ".bin");
        int64_t n = 0;
        if (auto C = read_cache(file, F, layer, model_id, sample_id, &n, &out.cache_note); C.defined()) {
            out.C = C, out.tokens = n, out.from_cache = true;
            if (o.progress) o.progress(total, total);
            return out;
        }
    }

    auto acc = at::zeros({F, F}, at::kDouble);
    int64_t done = 0;
    ForwardHooks h;
    h.mlp = [&](int64_t i, const at::Tensor& in, const at::Tensor& mlp_out) {
        if (i == layer) {
            auto k = mlp_key(m.net, layer, in).reshape({-1, F}).to(at::kDouble).cpu();   // [T, F]
            acc.addmm_(k.t(), k);
        }
        return mlp_out;
    };
    HookScope scope(m.net, &h);
    for (const auto& t : texts) {
        if (done >= total) break;
        if (o.stop && o.stop->load()) {
            out.stopped = true;
            return out;
        }
        const int64_t n = std::min({(int64_t)t.size(), total - done, m.config.max_position_embeddings});
        if (n <= 0) continue;
        auto ids = torch::tensor(std::vector<int64_t>(t.begin(), t.begin() + n), at::kLong).view({1, n}).to(m.device);
        (void)m.net->model->forward(ids, {}, nullptr);
        done += n;
        if (o.progress) o.progress(done, total);
    }
    out.C = acc / (double)done;
    out.tokens = done;
    if (!file.empty()) {
        try {
            write_cache(file, out.C, layer, model_id, sample_id, done);
        } catch (const Error& e) {
            out.cache_note = std::string("not cached: ") + e.what();
        }
    }
    return out;
}

}  // namespace llms::edit

// The SentencePiece kind of tokenizer: a loaded tokenizer.model held by the plugin (spm_plugin_loader.h), checked
// before the plugin parses it (spm_model_check.h).
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_backend.h"

#include "core/common/error.h"
#include "core/io/read_file.h"
#include "core/tokenizer/spm_model_check.h"
#include "core/tokenizer/spm_plugin_loader.h"

#include <fstream>
#include <system_error>

namespace llms {

namespace fs = std::filesystem;

namespace {

constexpr size_t kErrCap = 1024;

struct SpmTokenizer final : tokenizer::Backend {
    const tokenizer::SpmPlugin* plugin = nullptr;
    llms_spm_model* model = nullptr;
    fs::path file;
    int vocab = 0, bos = -1, eos = -1, unk = -1, pad = -1;
    std::vector<int16_t> byte_of;   // [vocab] value of a byte-fallback piece <0xNN>, -1 for other pieces

    SpmTokenizer() = default;
    SpmTokenizer(const SpmTokenizer&) = delete;
    SpmTokenizer& operator=(const SpmTokenizer&) = delete;
    ~SpmTokenizer() override {
        if (model != nullptr) plugin->free_model(model);
    }

    std::vector<int32_t> encode(std::string_view text, bool add_bos) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    std::string piece(int32_t id) const override;
    int vocab_size() const override { return vocab; }
    int bos_id() const override { return bos; }
    int eos_id() const override { return eos; }
    int unk_id() const override { return unk; }
    int pad_id() const override { return pad; }
    int byte_value(int32_t id) const override {
        return (id >= 0 && id < vocab) ? byte_of[static_cast<size_t>(id)] : -1;
    }
    std::vector<int32_t> special_suffix() const override { return {}; }   // Llama's convention: BOS only
    std::vector<int32_t> eos_ids() const override {
        return eos >= 0 ? std::vector<int32_t>{eos} : std::vector<int32_t>{};
    }
    std::string kind() const override { return "SentencePiece (tokenizer.model)"; }
    const fs::path& model_file() const override { return file; }
};

// "<0x0A>" -> 10; -1 when the text is not of that form.
int parse_byte_piece(const std::string& p) {
    if (p.size() != 6 || p.compare(0, 3, "<0x") != 0 || p[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; ++i) {
        const char c = p[i];
        const int d = (c >= '0' && c <= '9') ? c - '0'
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

std::string piece_of(const tokenizer::SpmPlugin& plugin, const llms_spm_model* model, int32_t id) {
    std::string out(16, '\0');
    int64_t n = plugin.piece(model, id, out.data(), out.size());
    if (n > static_cast<int64_t>(out.size())) {
        out.resize(static_cast<size_t>(n));
        n = plugin.piece(model, id, out.data(), out.size());
    }
    if (n < 0) return {};
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace

std::shared_ptr<const tokenizer::Backend> tokenizer::load_sentencepiece(const fs::path& model_file) {
    std::error_code ec;
    if (!fs::exists(model_file, ec))
        throw Error("tokenizer model " + model_file.string() + " not found: copy the model's tokenizer.model "
                    "(SentencePiece) into its folder, or train one with the tokenizer trainer");
    if (!fs::is_regular_file(model_file, ec))
        throw Error("tokenizer model " + model_file.string() + " is not a regular file: point to the "
                    "SentencePiece tokenizer.model file itself");
    if (!std::ifstream(model_file, std::ios::binary).good())
        throw Error("tokenizer model " + model_file.string() + " cannot be opened for reading: check its "
                    "permissions");
    // libsentencepiece trusts the file; a crafted one could crash the process, so its structure is checked first.
    tokenizer::check_spm_model_bytes(io::read_regular_file(model_file, io::kMaxTokenizerBytes, "tokenizer model"),
                                     model_file.string());
    const auto& plugin = tokenizer::spm_plugin();
    char err[kErrCap] = {};
    llms_spm_model* model = plugin.load_model(model_file.c_str(), err, sizeof err);
    if (model == nullptr)
        throw Error("tokenizer model " + model_file.string() + " is not a readable SentencePiece model (" + err +
                    "): the file is corrupt or of another format; copy tokenizer.model again from the "
                    "original model");
    auto impl = std::make_shared<SpmTokenizer>();
    impl->plugin = &plugin;
    impl->model = model;
    impl->file = model_file;
    impl->vocab = plugin.piece_count(model);
    impl->bos = plugin.bos_id(model);
    impl->eos = plugin.eos_id(model);
    impl->unk = plugin.unk_id(model);
    impl->pad = plugin.pad_id(model);
    if (impl->vocab <= 0)
        throw Error("tokenizer model " + model_file.string() + " has no pieces: the file is corrupt; copy "
                    "tokenizer.model again from the original model");
    impl->byte_of.assign(static_cast<size_t>(impl->vocab), -1);
    for (int32_t id = 0; id < impl->vocab; ++id)
        if (plugin.is_byte(model, id)) impl->byte_of[id] = static_cast<int16_t>(parse_byte_piece(piece_of(plugin, model, id)));
    return impl;
}

fs::path Tokenizer::plugin_path() { return tokenizer::spm_plugin().path; }


std::vector<int32_t> SpmTokenizer::encode(std::string_view text, bool add_bos) const {
    const SpmTokenizer& m = *this;
    const size_t head = (add_bos && m.bos >= 0) ? 1 : 0;
    std::vector<int32_t> ids(head + text.size() + 8);
    char err[kErrCap] = {};
    for (int attempt = 0; attempt < 2; ++attempt) {
        const int64_t n = m.plugin->encode(m.model, text.data(), text.size(), ids.data() + head,
                                           ids.size() - head, err, sizeof err);
        if (n < 0)
            throw Error("tokenizer " + m.file.string() + " failed to encode a text of " +
                        std::to_string(text.size()) + " bytes: " + err);
        if (static_cast<size_t>(n) <= ids.size() - head) {
            ids.resize(head + static_cast<size_t>(n));
            if (head) ids[0] = m.bos;
            return ids;
        }
        ids.resize(head + static_cast<size_t>(n));   // normalization expanded the text: retry with room
    }
    throw Error("tokenizer " + m.file.string() + " gave inconsistent encode lengths; the plugin libllms_spm.so is "
                "broken: rebuild the target llms_spm");
}

std::string SpmTokenizer::decode(const std::vector<int32_t>& ids) const {
    const SpmTokenizer& m = *this;
    std::string out(ids.size() * 8 + 16, '\0');
    char err[kErrCap] = {};
    for (int attempt = 0; attempt < 2; ++attempt) {
        const int64_t n = m.plugin->decode(m.model, ids.data(), ids.size(), out.data(), out.size(), err, sizeof err);
        if (n < 0) throw Error("tokenizer " + m.file.string() + " cannot decode these ids: " + err);
        const bool fit = static_cast<size_t>(n) <= out.size();
        out.resize(static_cast<size_t>(n));
        if (fit) return out;
    }
    throw Error("tokenizer " + m.file.string() + " gave inconsistent decode lengths; the plugin libllms_spm.so is "
                "broken: rebuild the target llms_spm");
}

std::string SpmTokenizer::piece(int32_t id) const {
    if (id < 0 || id >= vocab)
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(vocab) +
                    ") of tokenizer " + file.string());
    return piece_of(*plugin, model, id);
}

}  // namespace llms

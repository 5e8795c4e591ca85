// HfTokenizer: the Hugging Face encode pipeline (tokenizers 0.22 tokenizer/mod.rs encode_single_sequence):
// added tokens found in the raw text -> normalizer on the text between them -> added tokens with normalized=true
// -> pre-tokenizer -> BPE per word -> post-processor. Decode: ids -> token texts -> decoder.
#include "core/tokenizer/hf_tokenizer.h"

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/decoder.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/post_processor.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/tokenizer/utf8.h"

#include <algorithm>
#include <cstdio>

namespace llms {

namespace fs = std::filesystem;
using nlohmann::json;

struct HfTokenizer::Impl {
    fs::path file;
    std::unique_ptr<hf::BpeModel> model;
    std::unique_ptr<hf::Normalizer> normalizer;       // null when the file has none
    std::unique_ptr<hf::PreTokenizer> pre_tokenizer;  // null when the file has none
    std::unique_ptr<hf::PostProcessor> post_processor;
    std::unique_ptr<hf::Decoder> decoder;
    std::unique_ptr<hf::AddedVocabulary> added;
    int vocab = 0;
    int bos = -1, eos = -1, unk = -1, pad = -1;
    std::vector<int32_t> eos_all;
    std::vector<int32_t> prefix, suffix;
    std::string kind;

    // The token text of an id, or null when the id is not assigned.
    const std::string* token_of(int32_t id) const {
        if (const hf::AddedToken* a = added->by_id(id)) return &a->content;
        return model->id_to_token(id);
    }
    std::optional<int32_t> id_of(std::string_view token) const {
        if (const auto a = added->id_of(token)) return a;
        return model->token_to_id(token);
    }
};

namespace {

// True when some component of `spec` (at any depth) has this type.
bool uses_type(const json& spec, const std::string& type) {
    if (spec.is_object()) {
        if (const auto it = spec.find("type"); it != spec.end() && it->is_string() && *it == type) return true;
        for (const auto& [key, value] : spec.items())
            if (value.is_structured() && uses_type(value, type)) return true;
    } else if (spec.is_array()) {
        for (const json& v : spec)
            if (uses_type(v, type)) return true;
    }
    return false;
}

// The id of a token named in tokenizer_config.json; llms::Error when the vocabulary lacks it.
int resolve(const HfTokenizer::Impl& m, const hf::NamedToken& named, const char* key, const hf::TokenizerConfig& cfg) {
    if (named.content.empty()) return -1;
    if (const auto id = m.id_of(named.content)) return *id;
    throw Error(cfg.tokenizer_config_file.string() + ": " + key + " \"" + named.content +
                "\" is not in the vocabulary of " + m.file.string() + "; the two files do not belong together");
}

int checked_id(const HfTokenizer::Impl& m, int32_t id, const char* key, const hf::TokenizerConfig& cfg) {
    if (id < 0 || id >= m.vocab || m.token_of(id) == nullptr)
        throw Error(cfg.generation_config_file.string() + ": " + key + " " + std::to_string(id) +
                    " is not a token of " + m.file.string() + "; the two files do not belong together");
    return id;
}

}  // namespace

HfTokenizer HfTokenizer::load(const fs::path& tokenizer_json) {
    auto m = std::make_shared<Impl>();
    m->file = tokenizer_json;
    const std::string where = tokenizer_json.string();
    const json j = io::parse_json_input(io::read_regular_file(tokenizer_json, io::kMaxTokenizerBytes, "tokenizer.json"),
                                        where);
    if (!j.is_object()) throw Error(where + ": expected a tokenizer.json object, found " + io::json_preview(j));
    if (const auto v = j.find("version"); v != j.end() && !(v->is_string() && *v == "1.0"))
        throw Error(where + ": tokenizer.json version " + io::json_preview(*v) +
                    " is unknown (Hugging Face tokenizers reads version \"1.0\"); this tokenizer is refused");
    // "truncation" and "padding" are not read: transformers sets both per call, and encode() here is one text.

    const json& model = hf::required(j, "model", where);
    if (const std::string type = hf::component_type(model, where + " (model)"); type != "BPE")
        hf::refuse_component(where, "model", type, "BPE");
    m->model = std::make_unique<hf::BpeModel>(model, where);
    const auto component = [&](const char* key) -> const json* {
        const auto it = j.find(key);
        return (it == j.end() || it->is_null()) ? nullptr : &*it;
    };
    if (const json* s = component("normalizer")) m->normalizer = hf::make_normalizer(*s, where);
    if (const json* s = component("pre_tokenizer")) m->pre_tokenizer = hf::make_pre_tokenizer(*s, where);
    if (const json* s = component("post_processor")) m->post_processor = hf::make_post_processor(*s, where);
    if (const json* s = component("decoder")) m->decoder = hf::make_decoder(*s, where);
    m->added = std::make_unique<hf::AddedVocabulary>(component("added_tokens") ? *component("added_tokens") : json::array(),
                                                     *m->model, m->normalizer.get(), where);
    m->vocab = std::max(m->model->max_id(), m->added->max_id()) + 1;
    const json none;
    const json& normalizer = component("normalizer") ? *component("normalizer") : none;
    const json& pre_tokenizer = component("pre_tokenizer") ? *component("pre_tokenizer") : none;
    m->kind = uses_type(pre_tokenizer, "ByteLevel") ? "byte-level BPE"
              : m->model->byte_fallback()          ? "BPE with byte fallback"
                                                   : "BPE";
    if (uses_type(normalizer, "Prepend") || uses_type(pre_tokenizer, "Metaspace"))
        m->kind = "SentencePiece-style " + m->kind;

    // Special tokens: tokenizer_config.json when it names them, else generation_config.json.
    const hf::TokenizerConfig cfg = hf::read_tokenizer_config(tokenizer_json.parent_path());
    const auto pick = [&](const hf::NamedToken& named, const char* key, std::optional<int32_t> generation,
                          const char* gen_key, int fallback) {
        if (named.given) return resolve(*m, named, key, cfg);
        if (generation) return checked_id(*m, *generation, gen_key, cfg);
        return fallback;
    };
    m->bos = pick(cfg.bos, "bos_token", cfg.generation_bos, "bos_token_id", -1);
    m->eos = pick(cfg.eos, "eos_token", cfg.generation_eos.empty() ? std::nullopt : std::optional(cfg.generation_eos[0]),
                  "eos_token_id", -1);
    m->pad = pick(cfg.pad, "pad_token", cfg.generation_pad, "pad_token_id", -1);
    m->unk = pick(cfg.unk, "unk_token", std::nullopt, "", m->model->unk_id());
    if (m->eos >= 0) m->eos_all.push_back(m->eos);
    for (const int32_t id : cfg.generation_eos)
        if (std::find(m->eos_all.begin(), m->eos_all.end(), checked_id(*m, id, "eos_token_id", cfg)) == m->eos_all.end())
            m->eos_all.push_back(id);

    // What encode(.., true) adds around the text: a sentinel id shows where the text goes.
    constexpr int32_t kText = -2;
    const auto around = [&](const hf::PostProcessor* p) {
        std::vector<int32_t> ids{kText};
        if (p != nullptr) p->process(ids, true);
        const auto at = std::find(ids.begin(), ids.end(), kText);
        if (at == ids.end() || std::count(ids.begin(), ids.end(), kText) != 1)
            throw Error(where + ": the post_processor does not keep the text exactly once; the file is damaged");
        m->prefix.assign(ids.begin(), at);
        m->suffix.assign(at + 1, ids.end());
    };
    around(m->post_processor.get());
    if (cfg.add_bos_token || cfg.add_eos_token) {
        // transformers rebuilds the template from these (LlamaTokenizerFast.update_post_processor); a key that is
        // absent keeps what tokenizer.json does.
        const bool add_bos = cfg.add_bos_token.value_or(m->bos >= 0 && m->prefix == std::vector<int32_t>{m->bos});
        const bool add_eos = cfg.add_eos_token.value_or(m->eos >= 0 && m->suffix == std::vector<int32_t>{m->eos});
        if ((add_bos && m->bos < 0) || (add_eos && m->eos < 0)) {
            const std::string which = (add_bos && m->bos < 0) ? "bos" : "eos";
            throw Error(cfg.tokenizer_config_file.string() + ": add_" + which + "_token is true but no " + which +
                        "_token is named; name one or set add_" + which + "_token to false");
        }
        m->post_processor = hf::make_bos_eos_template(add_bos ? std::vector<int32_t>{m->bos} : std::vector<int32_t>{},
                                                      add_eos ? std::vector<int32_t>{m->eos} : std::vector<int32_t>{});
        around(m->post_processor.get());
    }
    for (const auto* ids : {&m->prefix, &m->suffix})
        for (const int32_t id : *ids)
            if (id < 0 || id >= m->vocab || m->token_of(id) == nullptr)
                throw Error(where + ": the post_processor adds the id " + std::to_string(id) +
                            ", which is not a token of this file; the file is damaged");

    HfTokenizer t;
    t.impl_ = std::move(m);
    return t;
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
    const Impl& m = *impl_;
    if (const size_t bad = hf::first_invalid_utf8(text); bad != hf::kValidUtf8) {
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
        throw Error("the text to encode is not valid UTF-8 (byte " + std::string(byte) + " at offset " +
                    std::to_string(bad) + " does not start a well-formed character); convert it to UTF-8 first");
    }
    std::vector<hf::TextPiece> pieces;
    m.added->extract_and_normalize(text, m.normalizer.get(), pieces);
    if (m.pre_tokenizer) m.pre_tokenizer->pre_tokenize(pieces);
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    for (const hf::TextPiece& p : pieces) {
        if (p.id >= 0) ids.push_back(p.id);
        else m.model->tokenize(p.text, ids);
    }
    if (m.post_processor) m.post_processor->process(ids, add_special_tokens);
    return ids;
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
    const Impl& m = *impl_;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int32_t id : ids) {
        const std::string* t = (id >= 0 && id < m.vocab) ? m.token_of(id) : nullptr;
        if (t == nullptr)
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary [0, " + std::to_string(m.vocab) +
                        ") of tokenizer " + m.file.string() + "; the ids come from another model");
        if (skip_special_tokens && m.added->is_special(*t)) continue;
        tokens.push_back(*t);
    }
    std::string out;
    if (m.decoder) {
        m.decoder->decode_chain(tokens);
        for (const std::string& t : tokens) out += t;
    } else {
        for (size_t k = 0; k < tokens.size(); ++k) out += (k ? " " : "") + tokens[k];
    }
    return out;
}

std::string HfTokenizer::piece(int32_t id) const {
    const std::string* t = (id >= 0 && id < impl_->vocab) ? impl_->token_of(id) : nullptr;
    if (t == nullptr)
        throw Error("token id " + std::to_string(id) + " is not in the vocabulary [0, " + std::to_string(impl_->vocab) +
                    ") of tokenizer " + impl_->file.string());
    return *t;
}

int HfTokenizer::vocab_size() const { return impl_->vocab; }
int HfTokenizer::bos_id() const { return impl_->bos; }
int HfTokenizer::eos_id() const { return impl_->eos; }
int HfTokenizer::unk_id() const { return impl_->unk; }
int HfTokenizer::pad_id() const { return impl_->pad; }
const fs::path& HfTokenizer::model_file() const { return impl_->file; }
std::vector<int32_t> HfTokenizer::eos_ids() const { return impl_->eos_all; }
std::vector<int32_t> HfTokenizer::special_prefix() const { return impl_->prefix; }
std::vector<int32_t> HfTokenizer::special_suffix() const { return impl_->suffix; }
std::string HfTokenizer::kind() const { return impl_->kind; }

int HfTokenizer::token_id(std::string_view token) const {
    const auto id = impl_->id_of(token);
    return id ? *id : -1;
}

bool HfTokenizer::is_special(int32_t id) const {
    const hf::AddedToken* a = impl_->added->by_id(id);
    return a != nullptr && a->special;
}

int HfTokenizer::byte_value(int32_t id) const {
    if (!impl_->model->byte_fallback() || impl_->added->by_id(id) != nullptr) return -1;
    const std::string* t = impl_->model->id_to_token(id);
    if (t == nullptr || t->size() != 6 || t->compare(0, 3, "<0x") != 0 || (*t)[5] != '>') return -1;
    unsigned value = 0;
    for (int k = 3; k < 5; ++k) {
        const char c = (*t)[static_cast<size_t>(k)];
        const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        value = value * 16 + static_cast<unsigned>(d);
    }
    return static_cast<int>(value);
}

}  // namespace llms

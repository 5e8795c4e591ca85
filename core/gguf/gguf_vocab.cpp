#include "core/gguf/gguf_vocab.h"

#include "core/chat/chat_template_file.h"
#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"
#include "core/tokenizer/spm_model_check.h"
#include "core/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <map>
#include <set>

namespace llms::gguf {

namespace fs = std::filesystem;

namespace {

// llama.cpp's token types (llama_token_type), the same numbers as SentencePiece's piece types.
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct Piece {
    std::string text;
    float score = 0;
    int32_t type = kNormal;
};

// ---- SentencePiece's ModelProto (protobuf wire format), after spm_model_check accepted the bytes ----------------
uint64_t varint(std::string_view b, size_t& at) {
    uint64_t v = 0;
    for (int shift = 0; at < b.size() && shift < 64; shift += 7) {
        const uint8_t c = (uint8_t)b[at++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    throw Error("tokenizer.model: a truncated number");
}

// Skips one field of wire type wt.
void skip(std::string_view b, size_t& at, int wt) {
    if (wt == 0) (void)varint(b, at);
    else if (wt == 1) at += 8;
    else if (wt == 5) at += 4;
    else if (wt == 2) at += varint(b, at);
    else throw Error("tokenizer.model: an unknown protobuf wire type");
    if (at > b.size()) throw Error("tokenizer.model: a field runs past the end");
}

std::vector<Piece> spm_pieces(std::string_view b) {
    std::vector<Piece> out;
    for (size_t at = 0; at < b.size();) {
        const uint64_t key = varint(b, at);
        if (key >> 3 != 1 || (key & 7) != 2) {
            skip(b, at, (int)(key & 7));
            continue;
        }
        const uint64_t len = varint(b, at);
        if (len > b.size() - at) throw Error("tokenizer.model: a piece runs past the end");
        const std::string_view m = b.substr(at, len);
        at += len;
        Piece p;
        for (size_t k = 0; k < m.size();) {
            const uint64_t fk = varint(m, k);
            const int field = (int)(fk >> 3), wt = (int)(fk & 7);
            if (field == 1 && wt == 2) {
                const uint64_t n = varint(m, k);
                if (n > m.size() - k) throw Error("tokenizer.model: a piece's text runs past the end");
                p.text.assign(m.substr(k, n));
                k += n;
            } else if (field == 2 && wt == 5) {
                if (m.size() - k < 4) throw Error("tokenizer.model: a score runs past the end");
                std::memcpy(&p.score, m.data() + k, 4);
                k += 4;
            } else if (field == 3 && wt == 0) {
                const uint64_t t = varint(m, k);
                // SentencePiece's user-defined pieces are plain tokens to llama.cpp's converter.
                p.type = t == 2 ? kUnknown : t == 3 ? kControl : t == 5 ? kUnused : t == 6 ? kByte : kNormal;
            } else {
                skip(m, k, wt);
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

void add_spm(Metadata& md, const fs::path& file, int64_t vocab_size) {
    const std::string bytes = io::read_regular_file(file, io::kMaxTokenizerBytes, "tokenizer.model");
    tokenizer::check_spm_model_bytes(bytes, file.string());
    const auto pieces = spm_pieces(bytes);
    if ((int64_t)pieces.size() > vocab_size)
        throw Error(file.string() + ": " + std::to_string(pieces.size()) + " pieces, more than the model's " +
                    std::to_string(vocab_size) + " embeddings");
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
    for (int64_t i = 0; i < vocab_size; ++i) {
        if (i < (int64_t)pieces.size()) {
            tokens.push_back(pieces[i].text), scores.push_back(pieces[i].score), types.push_back(pieces[i].type);
        } else {
            tokens.push_back("[PAD" + std::to_string(i) + "]"), scores.push_back(-10000.0f), types.push_back(kUnused);
        }
    }
    md.set("tokenizer.ggml.model", Value::string("llama"));
    md.set("tokenizer.ggml.pre", Value::string("default"));
    md.set("tokenizer.ggml.tokens", Value::strings(tokens));
    md.set("tokenizer.ggml.scores", Value::f32s(scores));
    md.set("tokenizer.ggml.token_type", Value::i32s(types));
}

// ---- tokenizer.json (byte-level BPE) -------------------------------------------------------------------
bool looks_special(const std::string& t) {
    auto wrapped = [&](const char* open, const char* close) {
        const size_t o = std::strlen(open), c = std::strlen(close);
        return t.size() >= o + c && t.compare(0, o, open) == 0 && t.compare(t.size() - c, c, close) == 0;
    };
    return wrapped("<|", "|>") || wrapped("<｜", "｜>") || wrapped("<unused", ">") || t == "<pad>" || t == "<mask>";
}

// The pre-tokenizer llama.cpp must apply, from the Split regex (its converter hashes the HF tokenizer's output
// on a probe text; the regexes are what tell these families apart).
std::string pre_tokenizer_name(const nlohmann::json& tj, const fs::path& file) {
    const std::string dump = tj.contains("pre_tokenizer") ? tj["pre_tokenizer"].dump() : "";
    if (dump.find("\\\\p{N}{1,3}") != std::string::npos) return "llama-bpe";
    if (dump.find("[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}|") != std::string::npos) return "qwen2";
    throw Error(file.string() + ": its pre-tokenizer is neither Llama 3's nor Qwen's, the byte-level tokenizers GGUF "
                                "export supports (llama.cpp must be told which one the model uses)");
}

void add_bpe(Metadata& md, const fs::path& file, int64_t vocab_size) {
    const std::string text = io::read_regular_file(file, io::kMaxTokenizerBytes, "tokenizer.json");
    const nlohmann::json tj = io::parse_json_input(text, file.string());
    const auto& model = tj.at("model");
    if (model.value("type", "") != "BPE" || !tj.contains("decoder") || tj["decoder"].dump().find("ByteLevel") == std::string::npos)
        throw Error(file.string() + ": GGUF export writes byte-level BPE tokenizer.json files (Llama 3, Qwen); this "
                                    "one is another kind");
    std::map<int64_t, Piece> by_id;
    for (const auto& [tok, id] : model.at("vocab").items()) by_id[id.get<int64_t>()] = {tok, 0, kNormal};
    for (const auto& a : tj.value("added_tokens", nlohmann::json::array())) {
        const std::string content = a.at("content").get<std::string>();
        const bool special = a.value("special", false) || looks_special(content);
        by_id[a.at("id").get<int64_t>()] = {content, 0, special ? kControl : kUserDefined};
    }
    if (!by_id.empty() && by_id.rbegin()->first >= vocab_size)
        throw Error(file.string() + ": token id " + std::to_string(by_id.rbegin()->first) + " is outside the model's " +
                    std::to_string(vocab_size) + " embeddings");
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::set<std::string> seen;
    for (int64_t i = 0; i < vocab_size; ++i) {
        auto it = by_id.find(i);
        Piece p = it != by_id.end() ? it->second : Piece{"[PAD" + std::to_string(i) + "]", 0, kUnused};
        if (!seen.insert(p.text).second)
            throw Error(file.string() + ": token \"" + p.text + "\" appears twice (llama.cpp refuses such a vocabulary)");
        tokens.push_back(std::move(p.text));
        types.push_back(p.type);
    }
    std::vector<std::string> merges;
    for (const auto& m : model.value("merges", nlohmann::json::array())) {
        if (m.is_string()) {
            merges.push_back(m.get<std::string>());
        } else {   // [a, b] (transformers >= 4.45): a literal space inside becomes U+0120, as in the old format
            auto part = [](std::string s) {
                for (size_t at; (at = s.find(' ')) != std::string::npos;) s.replace(at, 1, "\xC4\xA0");
                return s;
            };
            merges.push_back(part(m.at(0).get<std::string>()) + " " + part(m.at(1).get<std::string>()));
        }
    }
    md.set("tokenizer.ggml.model", Value::string("gpt2"));
    md.set("tokenizer.ggml.pre", Value::string(pre_tokenizer_name(tj, file)));
    md.set("tokenizer.ggml.tokens", Value::strings(tokens));
    md.set("tokenizer.ggml.token_type", Value::i32s(types));
    md.set("tokenizer.ggml.merges", Value::strings(merges));
}

}  // namespace

void add_tokenizer_metadata(Metadata& md, const fs::path& model_dir, const Tokenizer& tok, int64_t vocab_size) {
    const fs::path file = tok.model_file();
    try {
        if (file.extension() == ".json") add_bpe(md, file, vocab_size);
        else add_spm(md, file, vocab_size);
    } catch (const nlohmann::json::exception& e) {
        throw Error(file.string() + ": unexpected layout (" + std::string(e.what()) + ")");
    }
    if (tok.bos_id() >= 0) md.set("tokenizer.ggml.bos_token_id", Value::u32((uint32_t)tok.bos_id()));
    if (tok.eos_id() >= 0) md.set("tokenizer.ggml.eos_token_id", Value::u32((uint32_t)tok.eos_id()));
    if (tok.unk_id() >= 0) md.set("tokenizer.ggml.unknown_token_id", Value::u32((uint32_t)tok.unk_id()));
    if (tok.pad_id() >= 0) md.set("tokenizer.ggml.padding_token_id", Value::u32((uint32_t)tok.pad_id()));
    // Whether a text starts with BOS: what the tokenizer itself does (Llama: yes; Qwen: no).
    const bool adds_bos = tok.encode("a", true).size() > tok.encode("a", false).size();
    md.set("tokenizer.ggml.add_bos_token", Value::boolean(adds_bos));
    md.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
    if (auto t = chat::read_chat_template(model_dir)) md.set("tokenizer.chat_template", Value::string(t->text));
}

}  // namespace llms::gguf

// The BPE model of a tokenizer.json (Hugging Face tokenizers' models/bpe): a vocabulary, merges applied by rank,
// and for characters outside the vocabulary byte fallback (<0xNN> pieces) or the unknown token (fused or not).
// Words already seen are answered from a cache. Options dropout (random merges) and a non-empty
// continuing_subword_prefix / end_of_word_suffix with merges that do not fit them are refused when read.
#pragma once
#include "core/tokenizer/hf_json.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llms::hf {

class BpeModel {
public:
    // `spec` is the file's "model" object with type "BPE"; `where` names the file for messages.
    explicit BpeModel(const json& spec, const std::string& where);

    // Appends the ids of one word (a pre-tokenizer output, non-empty).
    void tokenize(std::string_view word, std::vector<int32_t>& out) const;

    std::optional<int32_t> token_to_id(std::string_view token) const;
    const std::string* id_to_token(int32_t id) const;   // null for an id the vocabulary does not have
    size_t entries() const { return vocab_.size(); }     // what HF calls the model's vocab size
    int32_t max_id() const { return static_cast<int32_t>(id_to_token_.size()) - 1; }
    int32_t unk_id() const { return unk_id_; }          // -1 when the model has no unknown token
    bool byte_fallback() const { return byte_fallback_; }
    size_t merge_count() const { return merges_.size(); }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using Vocab = std::unordered_map<std::string, int32_t, Hash, std::equal_to<>>;
    struct Merge {
        uint32_t rank;
        int32_t new_id;
    };

    void tokenize_cached(std::string_view word, std::vector<int32_t>& out) const;
    void merge_word(std::string_view word, std::vector<int32_t>& out) const;
    const Merge* find_merge(int32_t a, int32_t b) const;

    Vocab vocab_;
    std::vector<const std::string*> id_to_token_;   // [max id + 1] into vocab_'s keys; null for unused ids
    std::unordered_map<uint64_t, Merge> merges_;     // (left id << 32 | right id) -> rank and merged id
    std::string unk_token_;                          // empty when the model has none
    int32_t unk_id_ = -1;                            // -1 also when unk_token_ is not in the vocabulary
    bool fuse_unk_ = false;
    bool byte_fallback_ = false;
    bool ignore_merges_ = false;
    std::array<int32_t, 256> byte_ids_{};            // id of <0xNN>, -1 when missing (byte fallback)
    std::string prefix_, suffix_;                   // continuing_subword_prefix, end_of_word_suffix
    // SentencePiece-style files have no pre-tokenizer: the whole text is one word. When no merge can join a
    // symbol to a following "▁" (checked on the merges when read), cutting the word before each "▁" that follows
    // another character gives the same tokens, and the pieces are short enough to cache.
    bool split_at_meta_ = false;

    // Words of fewer than kCacheWordBytes bytes, as HF caches them; at most kCacheEntries, then no more are added.
    static constexpr size_t kCacheWordBytes = 256;
    static constexpr size_t kCacheEntries = 1 << 16;
    mutable std::shared_mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>, Hash, std::equal_to<>> cache_;
};

}  // namespace llms::hf

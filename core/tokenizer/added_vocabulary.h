// The "added_tokens" of a tokenizer.json (special tokens such as <|begin_of_text|>, and other added tokens such
// as <think>), found in the text before it is split, as Hugging Face tokenizers' AddedVocabulary does: tokens with
// normalized=false are matched in the raw text, the rest is normalized, then tokens with normalized=true are
// matched in the normalized text; leftmost-longest; single_word, lstrip and rstrip as HF applies them.
#pragma once
#include "core/tokenizer/hf_json.h"
#include "core/tokenizer/pre_tokenizer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace llms::hf {

class BpeModel;
class Normalizer;

struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool special = false;
    bool single_word = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
};

class AddedVocabulary {
public:
    // `list` is the file's "added_tokens" array. Ids are assigned as HF assigns them (the model's id when the
    // content is in its vocabulary, else the next free id); a file whose stated ids differ is refused.
    AddedVocabulary(const json& list, const BpeModel& model, const Normalizer* normalizer, const std::string& where);

    // The text as pieces: added tokens (id set) and normalized text between them (id -1), none empty.
    void extract_and_normalize(std::string_view text, const Normalizer* normalizer, std::vector<TextPiece>& out) const;

    const AddedToken* by_id(int32_t id) const;
    std::optional<int32_t> id_of(std::string_view content) const;
    bool is_special(const std::string& content) const { return special_.count(content) != 0; }
    int32_t max_id() const { return max_id_; }   // -1 when there are none
    const std::vector<AddedToken>& tokens() const { return tokens_; }

private:
    // A byte trie over the patterns of one group (raw or normalized), matched leftmost-longest.
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, int32_t>> next;   // sorted by byte
            int32_t token = -1;                                    // index into tokens_ when a pattern ends here
        };
        std::vector<Node> nodes{Node{}};
        void add(const std::string& pattern, int32_t token);
        // Longest pattern starting at s[at]: its length and token index, or length 0.
        std::pair<size_t, int32_t> longest_at(std::string_view s, size_t at) const;
        bool empty() const { return nodes.size() == 1; }
    };

    // HF find_matches + split_with_indices on one piece of text.
    void split_on(const Trie& trie, TextPiece piece, std::vector<TextPiece>& out) const;

    std::vector<AddedToken> tokens_;                  // in the order HF matches them: special first, then others
    std::unordered_map<int32_t, size_t> by_id_;
    std::unordered_map<std::string, int32_t> id_of_;
    std::unordered_set<std::string> special_;
    Trie raw_, normalized_;
    int32_t max_id_ = -1;
};

}  // namespace llms::hf

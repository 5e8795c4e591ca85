// Mirrors tokenizers 0.22 tokenizer/added_vocabulary.rs (add_tokens, refresh_added_tokens, find_matches).
#include "core/tokenizer/added_vocabulary.h"

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/unicode_props.h"
#include "core/tokenizer/utf8.h"

#include <algorithm>
#include <tuple>

namespace llms::hf {

namespace {

// The code point that ends s[0, end) (s valid UTF-8, end > 0).
char32_t last_char(std::string_view s, size_t end) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t len = 0;
    return decode_utf8(s, start, &len);
}

// Start of the run of White_Space characters that ends s[0, end) (end itself when there is none).
size_t whitespace_run_start(std::string_view s, size_t end) {
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        size_t len = 0;
        if (!is_white_space(decode_utf8(s, start, &len))) break;
        end = start;
    }
    return end;
}

// End of the run of White_Space characters that starts at s[begin].
size_t whitespace_run_end(std::string_view s, size_t begin) {
    while (begin < s.size()) {
        size_t len = 0;
        if (!is_white_space(decode_utf8(s, begin, &len))) break;
        begin += len;
    }
    return begin;
}

}  // namespace

void AddedVocabulary::Trie::add(const std::string& pattern, int32_t token) {
    size_t node = 0;
    for (const char ch : pattern) {
        const auto c = static_cast<unsigned char>(ch);
        auto& next = nodes[node].next;
        auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(c, INT32_MIN));
        if (it == next.end() || it->first != c) {
            it = next.insert(it, {c, static_cast<int32_t>(nodes.size())});
            const auto child = static_cast<size_t>(it->second);
            nodes.emplace_back();
            node = child;
        } else {
            node = static_cast<size_t>(it->second);
        }
    }
    if (nodes[node].token < 0) nodes[node].token = token;   // the first of equal patterns wins
}

std::pair<size_t, int32_t> AddedVocabulary::Trie::longest_at(std::string_view s, size_t at) const {
    size_t node = 0, best_len = 0;
    int32_t best = -1;
    for (size_t i = at; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const auto& next = nodes[node].next;
        const auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(c, INT32_MIN));
        if (it == next.end() || it->first != c) break;
        node = static_cast<size_t>(it->second);
        if (nodes[node].token >= 0) best = nodes[node].token, best_len = i + 1 - at;
    }
    return {best_len, best};
}

AddedVocabulary::AddedVocabulary(const json& list, const BpeModel& model, const Normalizer* normalizer,
                                 const std::string& where) {
    const std::string here = where + " (added_tokens)";
    if (!list.is_array()) throw Error(here + ": \"added_tokens\" should be a list, found " + io::json_preview(list));
    // HF keeps special tokens and the others apart, and matches them in that order.
    std::vector<AddedToken> special, other;
    int64_t next_id = static_cast<int64_t>(model.entries());
    const auto flags = [](const AddedToken& a, int64_t id) {
        return std::make_tuple(id, a.special, a.single_word, a.lstrip, a.rstrip, a.normalized);
    };
    std::unordered_map<std::string, decltype(flags(AddedToken{}, 0))> flags_of;
    for (const json& t : list) {
        if (!t.is_object()) throw Error(here + ": an entry should be an object, found " + io::json_preview(t));
        AddedToken a;
        a.content = string_field(t, "content", here);
        const int64_t stated = count_field(t, "id", here);
        a.special = bool_field(t, "special", here, false);
        a.single_word = bool_field(t, "single_word", here, false);
        a.lstrip = bool_field(t, "lstrip", here, false);
        a.rstrip = bool_field(t, "rstrip", here, false);
        a.normalized = bool_field(t, "normalized", here, !a.special);
        if (a.content.empty()) continue;   // HF ignores it
        if (const auto seen = flags_of.find(a.content); seen != flags_of.end()) {
            // HF skips an identical repeat; a repeat with other options would silently replace the first.
            if (seen->second != flags(a, stated))
                throw Error(here + ": the token \"" + a.content + "\" is listed twice with different options; "
                            "the file is inconsistent, so it is refused");
            continue;
        }
        flags_of.emplace(a.content, flags(a, stated));
        if (const auto in_model = model.token_to_id(a.content)) a.id = *in_model;
        else a.id = static_cast<int32_t>(next_id++);
        if (a.id != stated)
            throw Error(here + ": the token \"" + a.content + "\" is listed with id " + std::to_string(stated) +
                        " but Hugging Face would give it id " + std::to_string(a.id) +
                        "; the file is inconsistent, so it is refused");
        if (const std::string* taken = model.id_to_token(a.id); taken != nullptr && *taken != a.content)
            throw Error(here + ": the token \"" + a.content + "\" would get id " + std::to_string(a.id) +
                        ", which the model already gives to \"" + *taken + "\"; the file is inconsistent, so it "
                        "is refused");
        id_of_.emplace(a.content, a.id);
        max_id_ = std::max(max_id_, a.id);
        if (a.special) special_.insert(a.content);
        (a.special ? special : other).push_back(std::move(a));
    }
    tokens_ = std::move(special);
    tokens_.insert(tokens_.end(), std::make_move_iterator(other.begin()), std::make_move_iterator(other.end()));
    for (size_t k = 0; k < tokens_.size(); ++k) {
        const AddedToken& a = tokens_[k];
        by_id_.emplace(a.id, k);
        if (!a.normalized) {
            raw_.add(a.content, static_cast<int32_t>(k));
            continue;
        }
        std::string pattern = a.content;
        if (normalizer != nullptr) normalizer->normalize(pattern);
        if (pattern.empty())
            throw Error(here + ": the token \"" + a.content + "\" normalizes to nothing and could never match; "
                        "the file is inconsistent, so it is refused");
        normalized_.add(pattern, static_cast<int32_t>(k));
    }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::id_of(std::string_view content) const {
    const auto it = id_of_.find(std::string(content));
    if (it == id_of_.end()) return std::nullopt;
    return it->second;
}

void AddedVocabulary::split_on(const Trie& trie, TextPiece piece, std::vector<TextPiece>& out) const {
    const std::string& s = piece.text;
    const auto emit = [&](size_t b, size_t e, int32_t id) {
        if (b >= e) return;   // HF drops empty splits
        TextPiece t;
        t.text.assign(s, b, e - b);
        t.id = id;
        t.at_start = piece.at_start && b == 0;
        out.push_back(std::move(t));
    };
    if (trie.empty()) {
        if (!s.empty()) out.push_back(std::move(piece));
        return;
    }
    size_t start_offset = 0;   // end of the last split made
    size_t search = 0;         // where the matcher resumes: the end of the last match (before any rstrip)
    while (search < s.size()) {
        // The leftmost position where some pattern matches, and its longest pattern there.
        size_t start = search, len = 0;
        int32_t k = -1;
        for (; start < s.size(); ++start) {
            std::tie(len, k) = trie.longest_at(s, start);
            if (len > 0) break;
        }
        if (len == 0) break;
        size_t stop = start + len;
        search = stop;
        const AddedToken& a = tokens_[static_cast<size_t>(k)];
        if (a.single_word) {
            const bool start_space = start == 0 || !is_word_char(last_char(s, start));
            size_t clen = 0;
            const bool stop_space = stop == s.size() || !is_word_char(decode_utf8(s, stop, &clen));
            if (!start_space || !stop_space) continue;   // inside a word: not this token
        }
        if (a.lstrip) start = std::max(whitespace_run_start(s, start), start_offset);
        if (a.rstrip) stop = whitespace_run_end(s, stop);
        if (start_offset < start) emit(start_offset, start, -1);
        emit(start, stop, a.id);
        start_offset = stop;
    }
    if (start_offset < s.size()) emit(start_offset, s.size(), -1);
}

void AddedVocabulary::extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                            std::vector<TextPiece>& out) const {
    TextPiece whole;
    whole.text.assign(text);
    whole.at_start = true;
    std::vector<TextPiece> raw_split;
    split_on(raw_, std::move(whole), raw_split);
    for (TextPiece& p : raw_split) {
        if (p.id >= 0) {
            out.push_back(std::move(p));
            continue;
        }
        if (normalizer != nullptr) normalizer->normalize(p.text);
        split_on(normalized_, std::move(p), out);
    }
}

}  // namespace llms::hf

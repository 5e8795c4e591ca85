// BPE as Hugging Face tokenizers 0.22 does it (models/bpe/model.rs merge_word, word.rs merge_all): the word's
// characters become symbols, then the pair of adjacent symbols with the lowest merge rank (leftmost on a tie) is
// merged until no pair has a merge. A priority queue keeps this O(n log n) for long words (runs of spaces).
#include "core/tokenizer/bpe_model.h"

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/tokenizer/utf8.h"

#include <cstdio>
#include <mutex>
#include <queue>

namespace llms::hf {

namespace {

constexpr int64_t kMaxTokenId = 1 << 22;   // 4M: far above any real vocabulary (Gemma 3 has 262k)
constexpr std::string_view kMeta = "\xE2\x96\x81";   // U+2581 "▁", SentencePiece's space

// True when `token` has a character other than "▁".
bool has_non_meta(std::string_view token) {
    for (size_t i = 0; i < token.size(); i += kMeta.size())
        if (token.compare(i, kMeta.size(), kMeta) != 0) return true;
    return false;
}

uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    size_t len;   // bytes of the word it covers; 0 once merged into its left neighbour
};

struct QueuedMerge {
    uint32_t rank;
    uint32_t pos;
    int32_t new_id;
    bool operator>(const QueuedMerge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

}  // namespace

BpeModel::BpeModel(const json& spec, const std::string& where) {
    const std::string here = where + " (model BPE)";
    if (const auto it = spec.find("dropout"); it != spec.end() && !it->is_null()) {
        if (!it->is_number() || it->get<double>() < 0.0 || it->get<double>() > 1.0)
            throw Error(here + ": \"dropout\" should be null or a number in [0, 1], found " + io::json_preview(*it));
        if (it->get<double>() != 0.0)
            throw Error(here + ": dropout " + io::json_preview(*it) +
                        " makes encoding random (a training option); this tokenizer is refused: set \"dropout\" "
                        "to null in tokenizer.json");
    }
    unk_token_ = string_field(spec, "unk_token", here, "");
    prefix_ = string_field(spec, "continuing_subword_prefix", here, "");
    suffix_ = string_field(spec, "end_of_word_suffix", here, "");
    fuse_unk_ = bool_field(spec, "fuse_unk", here, false);
    byte_fallback_ = bool_field(spec, "byte_fallback", here, false);
    ignore_merges_ = bool_field(spec, "ignore_merges", here, false);

    const json& vocab = required(spec, "vocab", here);
    if (!vocab.is_object()) throw Error(here + ": \"vocab\" should be an object of token: id, found " + io::json_preview(vocab));
    vocab_.reserve(vocab.size());
    int64_t max_id = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        const json& id = it.value();
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokenId)
            throw Error(here + ": the id of token \"" + it.key() + "\" should be an integer in [0, " +
                        std::to_string(kMaxTokenId) + "), found " + io::json_preview(id));
        vocab_.emplace(it.key(), static_cast<int32_t>(id.get<int64_t>()));
        max_id = std::max(max_id, id.get<int64_t>());
    }
    id_to_token_.assign(static_cast<size_t>(max_id + 1), nullptr);
    for (const auto& [token, id] : vocab_) {
        if (id_to_token_[static_cast<size_t>(id)] != nullptr)
            throw Error(here + ": tokens \"" + *id_to_token_[static_cast<size_t>(id)] + "\" and \"" + token +
                        "\" share the id " + std::to_string(id) + "; the file is damaged");
        id_to_token_[static_cast<size_t>(id)] = &token;
    }
    if (!unk_token_.empty())
        if (const auto it = vocab_.find(unk_token_); it != vocab_.end()) unk_id_ = it->second;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        const auto it = vocab_.find(std::string_view(name));
        byte_ids_[static_cast<size_t>(b)] = it == vocab_.end() ? -1 : it->second;
    }

    const json& merges = required(spec, "merges", here);
    if (!merges.is_array()) throw Error(here + ": \"merges\" should be a list, found " + io::json_preview(merges));
    merges_.reserve(merges.size());
    uint32_t rank = 0;
    bool joins_meta = false;   // some merge joins a symbol with a non-"▁" character to a following "▁..."
    const auto id_of = [&](std::string_view token, size_t index) {
        const auto it = vocab_.find(token);
        if (it == vocab_.end())
            throw Error(here + ": merge " + std::to_string(index) + " names the token \"" + std::string(token) +
                        "\", which is not in the vocabulary; the file is damaged");
        return it->second;
    };
    std::string merged;
    for (size_t index = 0; index < merges.size(); ++index) {
        const json& m = merges[index];
        std::string_view a, b;
        if (m.is_string()) {   // "a b"; version lines of merges.txt are skipped, as HF does
            const std::string& line = m.get_ref<const std::string&>();
            if (line.rfind("#version", 0) == 0) continue;
            const size_t space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                throw Error(here + ": merge " + std::to_string(index) + " \"" + line +
                            "\" should be two tokens separated by one space; the file is damaged");
            a = std::string_view(line).substr(0, space);
            b = std::string_view(line).substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            a = m[0].get_ref<const std::string&>();
            b = m[1].get_ref<const std::string&>();
        } else {
            throw Error(here + ": merge " + std::to_string(index) + " should be \"a b\" or [a, b], found " +
                        io::json_preview(m));
        }
        if (b.size() < prefix_.size() || b.compare(0, prefix_.size(), prefix_) != 0)
            throw Error(here + ": merge " + std::to_string(index) + " right token \"" + std::string(b) +
                        "\" does not start with the continuing_subword_prefix \"" + prefix_ + "\"");
        if (b.compare(0, kMeta.size(), kMeta) == 0 && has_non_meta(a)) joins_meta = true;
        const int32_t a_id = id_of(a, index), b_id = id_of(b, index);
        merged.assign(a);
        merged.append(b.substr(prefix_.size()));
        const int32_t new_id = id_of(merged, index);
        merges_[pair_key(a_id, b_id)] = Merge{rank++, new_id};   // a repeated pair keeps its last rank, as in HF
    }
    split_at_meta_ = !joins_meta && prefix_.empty() && suffix_.empty() && vocab_.count(kMeta) != 0;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
    return (id >= 0 && static_cast<size_t>(id) < id_to_token_.size()) ? id_to_token_[static_cast<size_t>(id)] : nullptr;
}

const BpeModel::Merge* BpeModel::find_merge(int32_t a, int32_t b) const {
    const auto it = merges_.find(pair_key(a, b));
    return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
    if (word.empty()) return;
    if (ignore_merges_)
        if (const auto it = vocab_.find(word); it != vocab_.end()) {
            out.push_back(it->second);
            return;
        }
    if (!split_at_meta_) {
        tokenize_cached(word, out);
        return;
    }
    size_t begin = 0;
    for (size_t at = word.find(kMeta, 1); at != std::string_view::npos; at = word.find(kMeta, at + kMeta.size())) {
        if (at >= kMeta.size() && word.compare(at - kMeta.size(), kMeta.size(), kMeta) == 0) continue;   // in a run
        tokenize_cached(word.substr(begin, at - begin), out);
        begin = at;
    }
    tokenize_cached(word.substr(begin), out);
}

void BpeModel::tokenize_cached(std::string_view word, std::vector<int32_t>& out) const {
    const bool cacheable = word.size() < kCacheWordBytes;
    if (cacheable) {
        std::shared_lock lock(cache_mutex_);
        if (const auto it = cache_.find(word); it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    merge_word(word, out);
    if (cacheable) {
        std::unique_lock lock(cache_mutex_);
        if (cache_.size() < kCacheEntries)
            cache_.emplace(std::string(word), std::vector<int32_t>(out.begin() + static_cast<ptrdiff_t>(first), out.end()));
    }
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    const auto add = [&](int32_t id, size_t len) {
        const auto n = static_cast<int32_t>(symbols.size());
        symbols.push_back(Symbol{id, n - 1, -1, len});
        if (n > 0) symbols[static_cast<size_t>(n - 1)].next = n;
    };
    int32_t pending_unk = -1;   // an unknown token not yet added (fuse_unk grows it)
    size_t pending_len = 0;
    std::string s;
    for (size_t i = 0; i < word.size();) {
        const size_t len = utf8_sequence_length(static_cast<unsigned char>(word[i]));
        const bool is_first = i == 0, is_last = i + len >= word.size();
        s.assign(is_first ? "" : prefix_);
        s.append(word.substr(i, len));
        if (is_last) s += suffix_;
        i += len;
        if (const auto it = vocab_.find(s); it != vocab_.end()) {
            if (pending_unk >= 0) add(pending_unk, pending_len), pending_unk = -1;
            add(it->second, len);
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (const char c : s) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                for (const char c : s) add(byte_ids_[static_cast<unsigned char>(c)], 1);
                continue;
            }
        }
        if (unk_token_.empty()) continue;   // no unknown token: the character is dropped, as in HF
        if (unk_id_ < 0)
            throw Error("the tokenizer's unknown token \"" + unk_token_ +
                        "\" is not in its vocabulary, so a character outside the vocabulary cannot be encoded");
        if (pending_unk >= 0 && fuse_unk_) {
            pending_len += len;
        } else {
            if (pending_unk >= 0) add(pending_unk, pending_len);
            pending_unk = unk_id_;
            pending_len = len;
        }
    }
    if (pending_unk >= 0) add(pending_unk, pending_len);

    std::priority_queue<QueuedMerge, std::vector<QueuedMerge>, std::greater<>> queue;
    for (size_t k = 0; k + 1 < symbols.size(); ++k)
        if (const Merge* m = find_merge(symbols[k].id, symbols[k + 1].id))
            queue.push({m->rank, static_cast<uint32_t>(k), m->new_id});
    while (!queue.empty()) {
        const QueuedMerge top = queue.top();
        queue.pop();
        Symbol& cur = symbols[top.pos];
        if (cur.len == 0 || cur.next < 0) continue;
        const Symbol right = symbols[static_cast<size_t>(cur.next)];
        const Merge* still = find_merge(cur.id, right.id);
        if (still == nullptr || still->new_id != top.new_id) continue;   // an outdated entry
        cur.id = top.new_id;
        cur.len += right.len;
        symbols[static_cast<size_t>(cur.next)].len = 0;
        cur.next = right.next;
        if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
        if (cur.prev >= 0)
            if (const Merge* m = find_merge(symbols[static_cast<size_t>(cur.prev)].id, cur.id))
                queue.push({m->rank, static_cast<uint32_t>(cur.prev), m->new_id});
        if (cur.next >= 0)
            if (const Merge* m = find_merge(cur.id, symbols[static_cast<size_t>(cur.next)].id))
                queue.push({m->rank, top.pos, m->new_id});
    }
    for (const Symbol& sym : symbols)
        if (sym.len != 0) out.push_back(sym.id);
}

}  // namespace llms::hf

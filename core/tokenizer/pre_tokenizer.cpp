#include "core/tokenizer/pre_tokenizer.h"

#include "core/common/error.h"
#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/unicode_props.h"
#include "core/tokenizer/unicode_regex.h"
#include "core/tokenizer/utf8.h"

#include <algorithm>

namespace llms::hf {

namespace {

constexpr const char* kSupported = "Sequence, Split, ByteLevel, Metaspace, Digits";
// GPT-2's word regex, which the ByteLevel pre-tokenizer applies when use_regex is true.
constexpr const char* kGpt2Regex = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

using Span = std::pair<size_t, size_t>;
struct Flagged {
    Span span;
    bool match;
};

// Applies f to every piece that is still text and replaces it by what f appends; added tokens pass through.
template <typename F>
void split_each(std::vector<TextPiece>& pieces, F&& f) {
    std::vector<TextPiece> out;
    out.reserve(pieces.size() + 8);
    for (TextPiece& p : pieces) {
        if (p.id >= 0) out.push_back(std::move(p));
        else f(p, out);
    }
    pieces.swap(out);
}

}  // namespace

void split_piece(const TextPiece& piece, const std::vector<Span>& matches, bool invert, SplitBehavior behavior,
                 std::vector<TextPiece>& out) {
    const std::string& s = piece.text;
    // The whole text covered by match / non-match spans, as Pattern::find_matches gives it.
    std::vector<Flagged> spans;
    spans.reserve(matches.size() * 2 + 1);
    if (s.empty()) {
        spans.push_back({{0, 0}, false});
    } else {
        size_t prev = 0;
        for (const Span& m : matches) {
            if (prev != m.first) spans.push_back({{prev, m.first}, false});
            spans.push_back({m, true});
            prev = m.second;
        }
        if (prev != s.size()) spans.push_back({{prev, s.size()}, false});
    }
    if (invert)
        for (Flagged& f : spans) f.match = !f.match;

    // Which spans become parts (HF NormalizedString::split); `keep` false for a removed delimiter.
    struct Part {
        Span span;
        bool keep;
    };
    std::vector<Part> parts;
    parts.reserve(spans.size());
    switch (behavior) {
        case SplitBehavior::Isolated:
            for (const Flagged& f : spans) parts.push_back({f.span, true});
            break;
        case SplitBehavior::Removed:
            for (const Flagged& f : spans) parts.push_back({f.span, !f.match});
            break;
        case SplitBehavior::Contiguous: {
            bool previous = false;
            for (const Flagged& f : spans) {
                if (f.match == previous && !parts.empty()) parts.back().span.second = f.span.second;
                else parts.push_back({f.span, true});
                previous = f.match;
            }
            break;
        }
        case SplitBehavior::MergedWithPrevious: {
            bool previous = false;
            for (const Flagged& f : spans) {
                if (f.match && !previous && !parts.empty()) parts.back().span.second = f.span.second;
                else parts.push_back({f.span, true});
                previous = f.match;
            }
            break;
        }
        case SplitBehavior::MergedWithNext: {
            bool previous = false;
            for (size_t k = spans.size(); k-- > 0;) {
                const Flagged& f = spans[k];
                if (f.match && !previous && !parts.empty()) parts.back().span.first = f.span.first;
                else parts.push_back({f.span, true});
                previous = f.match;
            }
            std::reverse(parts.begin(), parts.end());
            break;
        }
    }
    for (const Part& p : parts) {
        if (!p.keep || p.span.first == p.span.second) continue;
        TextPiece t;
        t.text.assign(s, p.span.first, p.span.second - p.span.first);
        t.at_start = piece.at_start && p.span.first == 0;
        out.push_back(std::move(t));
    }
}

namespace {

SplitBehavior behavior_of(const std::string& name, const std::string& where) {
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    throw Error(where + ": unknown split behavior \"" + name +
                "\" (known: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
}

class Sequence final : public PreTokenizer {
public:
    explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
    void pre_tokenize(std::vector<TextPiece>& pieces) const override {
        for (const auto& p : parts_) p->pre_tokenize(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

class Split final : public PreTokenizer {
public:
    Split(UnicodeRegex pattern, SplitBehavior behavior, bool invert)
        : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
    void pre_tokenize(std::vector<TextPiece>& pieces) const override {
        std::vector<Span> matches;
        split_each(pieces, [&](const TextPiece& p, std::vector<TextPiece>& out) {
            pattern_.find_all(p.text, matches);
            split_piece(p, matches, invert_, behavior_, out);
        });
    }

private:
    UnicodeRegex pattern_;
    SplitBehavior behavior_;
    bool invert_;
};

// Optional prefix space, optional GPT-2 word split, then every byte becomes its byte-level character.
class ByteLevel final : public PreTokenizer {
public:
    ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where) : add_prefix_space_(add_prefix_space) {
        if (use_regex) regex_ = std::make_unique<UnicodeRegex>(UnicodeRegex::compile(kGpt2Regex, where));
    }
    void pre_tokenize(std::vector<TextPiece>& pieces) const override {
        std::vector<Span> matches;
        split_each(pieces, [&](TextPiece& p, std::vector<TextPiece>& out) {
            if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text.insert(0, 1, ' ');
            if (!regex_) {
                if (!p.text.empty()) out.push_back(std::move(p));
                return;
            }
            regex_->find_all(p.text, matches);
            split_piece(p, matches, false, SplitBehavior::Isolated, out);
        });
        const auto& chars = byte_level_chars();
        for (TextPiece& p : pieces) {
            if (p.id >= 0) continue;
            std::string mapped;
            mapped.reserve(p.text.size() * 2);
            for (const char c : p.text) mapped += chars[static_cast<unsigned char>(c)];
            p.text.swap(mapped);
        }
    }

private:
    bool add_prefix_space_;
    std::unique_ptr<UnicodeRegex> regex_;
};

// Spaces become the replacement character (U+2581 "▁" in practice), which is prepended as the scheme says; with
// split, each replacement character starts a new word.
class Metaspace final : public PreTokenizer {
public:
    enum class Scheme { Always, First, Never };
    Metaspace(std::string replacement, Scheme scheme, bool split)
        : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
    void pre_tokenize(std::vector<TextPiece>& pieces) const override {
        std::vector<Span> matches;
        split_each(pieces, [&](TextPiece& p, std::vector<TextPiece>& out) {
            std::string replaced;
            replaced.reserve(p.text.size() + replacement_.size());
            for (const char c : p.text) {
                if (c == ' ') replaced += replacement_;
                else replaced += c;
            }
            const bool starts = replaced.compare(0, replacement_.size(), replacement_) == 0;
            if (!starts && (scheme_ == Scheme::Always || (scheme_ == Scheme::First && p.at_start)))
                replaced.insert(0, replacement_);
            p.text.swap(replaced);
            if (!split_) {
                if (!p.text.empty()) out.push_back(std::move(p));
                return;
            }
            matches.clear();
            for (size_t at = p.text.find(replacement_); at != std::string::npos;
                 at = p.text.find(replacement_, at + replacement_.size()))
                matches.emplace_back(at, at + replacement_.size());
            split_piece(p, matches, false, SplitBehavior::MergedWithNext, out);
        });
    }

private:
    std::string replacement_;
    Scheme scheme_;
    bool split_;
};

// Numbers (general category N) apart from the rest: each digit alone, or runs of them.
class Digits final : public PreTokenizer {
public:
    explicit Digits(bool individual) : individual_(individual) {}
    void pre_tokenize(std::vector<TextPiece>& pieces) const override {
        std::vector<Span> matches;
        split_each(pieces, [&](const TextPiece& p, std::vector<TextPiece>& out) {
            matches.clear();
            for (size_t i = 0; i < p.text.size();) {
                size_t len = 0;
                if (is_numeric(decode_utf8(p.text, i, &len))) matches.emplace_back(i, i + len);
                i += len;
            }
            split_piece(p, matches, false, individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous, out);
        });
    }

private:
    bool individual_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& spec, const std::string& where) {
    const std::string type = component_type(spec, where);
    const std::string here = where + " (pre_tokenizer " + type + ")";
    if (type == "Sequence") {
        const json& list = required(spec, "pretokenizers", here);
        if (!list.is_array()) throw Error(here + ": \"pretokenizers\" should be a list");
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const json& part : list) parts.push_back(make_pre_tokenizer(part, where));
        return std::make_unique<Sequence>(std::move(parts));
    }
    if (type == "Split")
        return std::make_unique<Split>(UnicodeRegex::from_json(required(spec, "pattern", here), here),
                                       behavior_of(string_field(spec, "behavior", here), here),
                                       bool_field(spec, "invert", here, false));
    if (type == "ByteLevel")
        return std::make_unique<ByteLevel>(bool_field(spec, "add_prefix_space", here, true),
                                           bool_field(spec, "use_regex", here, true), here);
    if (type == "Metaspace") {
        const std::string replacement = string_field(spec, "replacement", here);
        size_t len = 0;
        if (replacement.empty() || (decode_utf8(replacement, 0, &len), len != replacement.size()))
            throw Error(here + ": \"replacement\" should be one character, found \"" + replacement + "\"");
        const std::string scheme_name = string_field(spec, "prepend_scheme", here, "always");
        Metaspace::Scheme scheme = scheme_name == "always"  ? Metaspace::Scheme::Always
                                   : scheme_name == "first" ? Metaspace::Scheme::First
                                   : scheme_name == "never"
                                       ? Metaspace::Scheme::Never
                                       : throw Error(here + ": unknown prepend_scheme \"" + scheme_name +
                                                     "\" (known: always, first, never)");
        // Older files say add_prefix_space instead; false must agree with the scheme, as HF checks.
        if (!bool_field(spec, "add_prefix_space", here, true)) {
            if (spec.contains("prepend_scheme") && scheme != Metaspace::Scheme::Never)
                throw Error(here + ": add_prefix_space false contradicts prepend_scheme \"" + scheme_name + "\"");
            scheme = Metaspace::Scheme::Never;
        }
        return std::make_unique<Metaspace>(replacement, scheme, bool_field(spec, "split", here, true));
    }
    if (type == "Digits") return std::make_unique<Digits>(bool_field(spec, "individual_digits", here, false));
    refuse_component(where, "pre_tokenizer", type, kSupported);
}

}  // namespace llms::hf

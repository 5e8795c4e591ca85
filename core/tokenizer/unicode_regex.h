// The regular expressions of a tokenizer.json (Split pre-tokenizer, Replace normalizer and decoder). Hugging Face
// tokenizers runs them with Oniguruma; here PCRE2 runs them (UTF + UCP, JIT when available) after a translation
// that keeps Oniguruma's meaning: \s becomes Oniguruma's whitespace set (PCRE2's \s also takes U+180E), \uHHHH
// becomes \x{HHHH}. Constructs whose meaning differs between the two engines and that no known tokenizer uses
// (\w, \b, \h, ^, $, nested classes, inline flags other than i) are refused, never approximated.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pcre2_real_code_8;

namespace llms::hf {

class UnicodeRegex {
public:
    // `pattern` in Oniguruma syntax. llms::Error naming `where` (file and component) when the pattern is
    // invalid or uses a refused construct.
    static UnicodeRegex compile(const std::string& pattern, const std::string& where);
    // A literal text (the "String" form of a pattern); an empty one is refused.
    static UnicodeRegex literal(const std::string& text, const std::string& where);
    // A tokenizer.json pattern object: {"String": text} or {"Regex": pattern}.
    static UnicodeRegex from_json(const nlohmann::json& spec, const std::string& where);

    // Non-overlapping matches in s from left to right as [start, end) byte offsets, with the rule of the onig
    // crate's find_iter for empty matches (none right after the previous match). s must be valid UTF-8.
    void find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const;

    const std::string& source() const { return source_; }

private:
    std::shared_ptr<const pcre2_real_code_8> code_;   // null for a literal
    std::string literal_;
    std::string source_;   // the pattern as the file gives it, for messages
    std::string where_;
};

}  // namespace llms::hf

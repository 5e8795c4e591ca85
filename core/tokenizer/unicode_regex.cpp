#include "core/tokenizer/unicode_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/tokenizer/utf8.h"

namespace llms::hf {

namespace {

// Oniguruma's \s: U+0009..U+000D, U+0085 and the separators (Zs, Zl, Zp); PCRE2's own \s adds U+180E.
constexpr const char* kSpaceSetBody = "\\t-\\r\\x{85}\\p{Z}";

[[noreturn]] void refuse(const std::string& where, const std::string& pattern, const std::string& why) {
    throw Error(where + ": the regular expression \"" + pattern + "\" " + why +
                "; this tokenizer cannot be read faithfully, so it is refused");
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Oniguruma syntax to PCRE2 syntax with the same meaning (see the header).
std::string translate(const std::string& p, const std::string& where) {
    std::string out;
    out.reserve(p.size() + 32);
    bool in_class = false;
    size_t i = 0;
    while (i < p.size()) {
        const char c = p[i];
        if (c == '\\') {
            if (i + 1 >= p.size()) refuse(where, p, "ends with a lone backslash");
            const char n = p[i + 1];
            switch (n) {
                case 's':
                    out += in_class ? std::string(kSpaceSetBody) : "[" + std::string(kSpaceSetBody) + "]";
                    i += 2;
                    continue;
                case 'S':
                    if (in_class) refuse(where, p, "uses \\S inside a character class");
                    out += "[^" + std::string(kSpaceSetBody) + "]";
                    i += 2;
                    continue;
                case 'u': {
                    if (i + 5 >= p.size() || !(is_hex(p[i + 2]) && is_hex(p[i + 3]) && is_hex(p[i + 4]) && is_hex(p[i + 5])))
                        refuse(where, p, "has a \\u escape without 4 hex digits");
                    out += "\\x{" + p.substr(i + 2, 4) + "}";
                    i += 6;
                    continue;
                }
                case 'w': case 'W': case 'b': case 'B': case 'h': case 'H': case 'R': case 'X': case 'K':
                case 'g': case 'k': case 'G': case 'y': case 'Y': case 'O': case 'N':
                    refuse(where, p, std::string("uses \\") + n +
                                         ", whose meaning differs between Oniguruma (Hugging Face) and PCRE2");
                default: {
                    // An escaped character (possibly multi-byte) is copied whole.
                    const size_t len = utf8_sequence_length(static_cast<unsigned char>(n));
                    out.append(p, i, 1 + len);
                    i += 1 + len;
                    continue;
                }
            }
        }
        if (c == '[') {
            if (in_class) {
                if (i + 1 < p.size() && p[i + 1] == ':') {   // a POSIX class [:alpha:] inside a set
                    const size_t end = p.find(":]", i + 2);
                    if (end == std::string::npos) refuse(where, p, "has an unterminated [: class");
                    out.append(p, i, end + 2 - i);
                    i = end + 2;
                    continue;
                }
                refuse(where, p, "nests a character class (an Oniguruma-only set operation)");
            }
            in_class = true;
            out += '[';
            ++i;
            if (i < p.size() && p[i] == '^') out += p[i++];
            if (i < p.size() && p[i] == ']') out += p[i++];   // a leading ] is a literal in both engines
            continue;
        }
        if (in_class && c == ']') in_class = false;
        if (in_class && c == '&' && i + 1 < p.size() && p[i + 1] == '&')
            refuse(where, p, "uses && inside a class (an Oniguruma-only set operation)");
        if (!in_class && (c == '^' || c == '$'))
            refuse(where, p, std::string("uses the anchor ") + c + ", which matches at every line in Oniguruma");
        if (!in_class && c == '(' && i + 2 < p.size() && p[i + 1] == '?' &&
            ((p[i + 2] >= 'a' && p[i + 2] <= 'z') || p[i + 2] == '-')) {
            for (size_t k = i + 2; k < p.size() && p[k] != ':' && p[k] != ')'; ++k)
                if (p[k] != 'i' && p[k] != '-')
                    refuse(where, p, "sets an inline option other than i, whose meaning differs in Oniguruma");
        }
        out += c;
        ++i;
    }
    if (in_class) refuse(where, p, "has an unterminated character class");
    return out;
}

struct CodeDeleter {
    void operator()(const pcre2_code* c) const { pcre2_code_free(const_cast<pcre2_code*>(c)); }
};

}  // namespace

UnicodeRegex UnicodeRegex::compile(const std::string& pattern, const std::string& where) {
    const std::string translated = translate(pattern, where);
    int err = 0;
    PCRE2_SIZE err_offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                     PCRE2_UTF | PCRE2_UCP, &err, &err_offset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR msg[256] = {};
        pcre2_get_error_message(err, msg, sizeof msg);
        refuse(where, pattern, "is not valid (" + std::string(reinterpret_cast<const char*>(msg)) + ")");
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);   // when JIT is unavailable the interpreter runs the same pattern
    UnicodeRegex r;
    r.code_.reset(code, CodeDeleter{});
    r.source_ = pattern;
    r.where_ = where;
    return r;
}

UnicodeRegex UnicodeRegex::literal(const std::string& text, const std::string& where) {
    if (text.empty()) throw Error(where + ": the pattern is an empty string, which matches nothing useful; refused");
    UnicodeRegex r;
    r.literal_ = text;
    r.source_ = text;
    r.where_ = where;
    return r;
}

UnicodeRegex UnicodeRegex::from_json(const nlohmann::json& spec, const std::string& where) {
    if (spec.is_object() && spec.size() == 1) {
        if (const auto it = spec.find("String"); it != spec.end() && it->is_string())
            return literal(it->get<std::string>(), where);
        if (const auto it = spec.find("Regex"); it != spec.end() && it->is_string())
            return compile(it->get<std::string>(), where);
    }
    throw Error(where + ": the pattern should be {\"String\": ...} or {\"Regex\": ...}, found " +
                io::json_preview(spec) + "; the file is damaged");
}

void UnicodeRegex::find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const {
    out.clear();
    if (!code_) {
        for (size_t at = s.find(literal_); at != std::string_view::npos; at = s.find(literal_, at + literal_.size()))
            out.emplace_back(at, at + literal_.size());
        return;
    }
    const auto* code = code_.get();
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
        pcre2_match_data_create_from_pattern(code, nullptr), &pcre2_match_data_free);
    if (!md) throw Error(where_ + ": out of memory while matching the regular expression");
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
    size_t last_end = 0;
    bool have_last = false;
    size_t last_match_end = 0;
    uint32_t no_jit = 0;
    while (last_end <= s.size()) {
        // The text was checked as UTF-8 once; re-checking it on every call would make matching quadratic.
        int rc = pcre2_match(code, subject, s.size(), last_end, PCRE2_NO_UTF_CHECK | no_jit, md.get(), nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT && no_jit == 0) {
            no_jit = PCRE2_NO_JIT;   // the interpreter keeps its backtracking state on the heap
            continue;
        }
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256] = {};
            pcre2_get_error_message(rc, msg, sizeof msg);
            throw Error(where_ + ": the regular expression \"" + source_ + "\" failed on a text of " +
                        std::to_string(s.size()) + " bytes (" + reinterpret_cast<const char*>(msg) +
                        "); split the text into smaller parts");
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
        const size_t start = ov[0], end = ov[1];
        if (start == end && have_last && last_match_end == end) {
            last_end += last_end < s.size() ? utf8_sequence_length(static_cast<unsigned char>(s[last_end])) : 1;
            continue;
        }
        last_end = end;
        last_match_end = end;
        have_last = true;
        out.emplace_back(start, end);
    }
}

}  // namespace llms::hf

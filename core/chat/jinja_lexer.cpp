#include "core/chat/jinja_lexer.h"

#include "core/chat/jinja_error.h"
#include "core/chat/python_text.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace llms::chat::jinja {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Jinja splits the source on \r\n, \r and \n, drops one empty last line (a single trailing newline) and joins
// with \n.
std::string normalize_newlines(std::string_view raw) {
    std::string s;
    s.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\r') {
            s.push_back('\n');
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        } else {
            s.push_back(raw[i]);
        }
    }
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// Python's str.rstrip() (Unicode whitespace).
std::string_view rstrip_space(std::string_view s) {
    size_t end = s.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) --start;
        if (!py::space_at(s, start)) break;
        end = start;
    }
    return s.substr(0, end);
}

// Text made only of (Unicode) whitespace, at least one character: re.fullmatch(r"\s+", text).
bool all_space(std::string_view s) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.size();) {
        const size_t len = py::space_at(s, i);
        if (!len) return false;
        i += len;
    }
    return true;
}

class Lexer {
public:
    explicit Lexer(std::string source) : s_(std::move(source)) {
        for (size_t i = 0; i < s_.size(); ++i)
            if (s_[i] == '\n') newlines_.push_back(i);
    }

    std::vector<Token> run() {
        size_t pos = 0;
        bool line_starting = true;   // the previous match ended with a newline
        while (pos < s_.size()) {
            const size_t p = next_tag(pos);
            if (p == std::string::npos) {
                emit_data(pos, s_.substr(pos));
                break;
            }
            const char kind = s_[p + 1];
            size_t raw_end = std::string::npos;
            char sign = 0;
            if (kind == '%') raw_end = match_raw_begin(p, &sign);
            if (raw_end == std::string::npos && p + 2 < s_.size() && (s_[p + 2] == '-' || s_[p + 2] == '+'))
                sign = s_[p + 2];
            const size_t match_end = raw_end != std::string::npos ? raw_end : p + 2 + (sign ? 1 : 0);
            emit_data(pos, strip_before_tag(std::string_view(s_).substr(pos, p - pos), sign, kind != '{',
                                            line_starting));
            line_starting = s_[match_end - 1] == '\n';
            pos = match_end;
            if (raw_end != std::string::npos) pos = raw_block(pos, p, &line_starting);
            else if (kind == '#') pos = comment(pos, p, &line_starting);
            else pos = tag(pos, p, kind == '%', &line_starting);
        }
        Token eof;
        eof.type = Tok::Eof;
        eof.line = line_of(s_.size());
        tokens_.push_back(eof);
        return std::move(tokens_);
    }

private:
    std::string s_;
    std::vector<size_t> newlines_;
    std::vector<Token> tokens_;
    std::vector<char> balance_;   // closing brackets expected inside the current tag

    int line_of(size_t pos) const {
        return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin());
    }

    bool at(size_t pos, std::string_view what) const { return s_.compare(pos, what.size(), what) == 0; }

    size_t skip_space(size_t pos) const {
        while (size_t len = py::space_at(s_, pos)) pos += len;
        return pos;
    }

    // The first "{{", "{%" or "{#" at or after pos.
    size_t next_tag(size_t pos) const {
        for (size_t p = s_.find('{', pos); p != std::string::npos; p = s_.find('{', p + 1))
            if (p + 1 < s_.size() && (s_[p + 1] == '{' || s_[p + 1] == '%' || s_[p + 1] == '#')) return p;
        return std::string::npos;
    }

    // {%(-|+|)\s*raw\s*(-%}\s*|%}) at p: the end of the match, or npos.
    size_t match_raw_begin(size_t p, char* sign) const {
        size_t q = p + 2;
        char sg = 0;
        if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) sg = s_[q++];
        q = skip_space(q);
        if (!at(q, "raw")) return std::string::npos;
        q = skip_space(q + 3);
        if (at(q, "-%}")) {
            *sign = sg;
            return skip_space(q + 3);
        }
        if (at(q, "%}")) {
            *sign = sg;
            return q + 2;
        }
        return std::string::npos;
    }

    // The text before a tag after whitespace control: "-" strips all whitespace before the tag; otherwise, for
    // block and comment tags (lstrip_blocks) unless "+", the spaces between the line start and the tag go.
    static std::string_view strip_before_tag(std::string_view text, char sign, bool lstrip, bool line_starting) {
        if (sign == '-') return rstrip_space(text);
        if (sign != '+' && lstrip) {
            const size_t nl = text.rfind('\n');
            const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
            if ((l_pos > 0 || line_starting) && all_space(text.substr(l_pos))) return text.substr(0, l_pos);
        }
        return text;
    }

    void emit_data(size_t pos, std::string_view text) {
        if (text.empty()) return;
        Token t;
        t.type = Tok::Data;
        t.text = std::string(text);
        t.line = line_of(pos);
        tokens_.push_back(std::move(t));
    }

    void emit(Tok type, size_t pos, std::string text = {}) {
        Token t;
        t.type = type;
        t.text = std::move(text);
        t.line = line_of(pos);
        tokens_.push_back(std::move(t));
    }

    // A comment's end: the first "+#}", "-#}" (taking the whitespace after it) or "#}" (and one newline).
    size_t comment(size_t pos, size_t open, bool* line_starting) {
        if (pos >= s_.size()) return pos;   // "{#" ending the template: Jinja's lexer just stops there
        for (size_t q = pos; q < s_.size(); ++q) {
            size_t end = std::string::npos;
            if (at(q, "+#}")) end = q + 3;
            else if (at(q, "-#}")) end = skip_space(q + 3);
            else if (at(q, "#}")) end = q + 2 + (q + 2 < s_.size() && s_[q + 2] == '\n' ? 1 : 0);
            if (end != std::string::npos) {
                *line_starting = s_[end - 1] == '\n';
                return end;
            }
        }
        fail_syntax(line_of(open), "missing end of comment tag: the {# opened here is never closed with #}");
    }

    // The text of a {% raw %} block, up to {%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?).
    size_t raw_block(size_t pos, size_t open, bool* line_starting) {
        if (pos >= s_.size()) return pos;   // "{% raw %}" ending the template: Jinja's lexer just stops there
        for (size_t q = s_.find("{%", pos); q != std::string::npos; q = s_.find("{%", q + 1)) {
            size_t r = q + 2;
            char sign = 0;
            if (r < s_.size() && (s_[r] == '-' || s_[r] == '+')) sign = s_[r++];
            r = skip_space(r);
            if (!at(r, "endraw")) continue;
            r = skip_space(r + 6);
            size_t end = std::string::npos;
            if (at(r, "+%}")) end = r + 3;
            else if (at(r, "-%}")) end = skip_space(r + 3);
            else if (at(r, "%}")) end = r + 2 + (r + 2 < s_.size() && s_[r + 2] == '\n' ? 1 : 0);
            if (end == std::string::npos) continue;
            emit_data(pos, strip_before_tag(std::string_view(s_).substr(pos, q - pos), sign, true, *line_starting));
            *line_starting = s_[end - 1] == '\n';
            return end;
        }
        fail_syntax(line_of(open), "missing end of raw directive: the {% raw %} opened here has no {% endraw %}");
    }

    // The inside of {% ... %} (block) or {{ ... }} (variable), up to and including its end.
    size_t tag(size_t pos, size_t open, bool block, bool* line_starting) {
        emit(block ? Tok::BlockBegin : Tok::VariableBegin, open);
        while (pos < s_.size()) {
            if (balance_.empty()) {
                size_t end = std::string::npos;
                if (block) {
                    if (at(pos, "+%}")) end = pos + 3;
                    else if (at(pos, "-%}")) end = skip_space(pos + 3);
                    else if (at(pos, "%}")) end = pos + 2 + (pos + 2 < s_.size() && s_[pos + 2] == '\n' ? 1 : 0);
                } else {
                    if (at(pos, "-}}")) end = skip_space(pos + 3);
                    else if (at(pos, "}}")) end = pos + 2;
                }
                if (end != std::string::npos) {
                    emit(block ? Tok::BlockEnd : Tok::VariableEnd, pos);
                    *line_starting = s_[end - 1] == '\n';
                    return end;
                }
            }
            pos = tag_token(pos);
        }
        return pos;   // the parser reports the missing end
    }

    // One token inside a tag (whitespace, float, integer, name, string, operator, in Jinja's order).
    size_t tag_token(size_t pos) {
        if (size_t end = skip_space(pos); end > pos) return end;
        if (size_t end = float_literal(pos); end != std::string::npos) return end;
        if (size_t end = integer_literal(pos); end != std::string::npos) return end;
        const char c = s_[pos];
        if (is_name_start(c)) {
            size_t end = pos + 1;
            while (end < s_.size() && is_name_char(s_[end])) ++end;
            if (end < s_.size() && static_cast<unsigned char>(s_[end]) >= 0x80)
                fail_unsupported(line_of(pos), "a name with non-ASCII letters");
            emit(Tok::Name, pos, s_.substr(pos, end - pos));
            return end;
        }
        if (c == '\'' || c == '"') {
            if (size_t end = string_literal(pos); end != std::string::npos) return end;
        }
        static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
        for (const char* op : two)
            if (at(pos, op)) {
                emit(Tok::Operator, pos, op);
                return pos + 2;
            }
        if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) != std::string_view::npos) {
            if (c == '(' || c == '[' || c == '{') {
                balance_.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
            } else if (c == ')' || c == ']' || c == '}') {
                if (balance_.empty()) fail_syntax(line_of(pos), std::string("unexpected '") + c + "'");
                if (balance_.back() != c)
                    fail_syntax(line_of(pos),
                                std::string("unexpected '") + c + "', expected '" + balance_.back() + "'");
                balance_.pop_back();
            }
            emit(Tok::Operator, pos, std::string(1, c));
            return pos + 1;
        }
        if (static_cast<unsigned char>(c) >= 0x80)
            fail_unsupported(line_of(pos), "a non-ASCII character inside a tag");
        fail_syntax(line_of(pos), std::string("unexpected character '") + c + "' inside a tag");
    }

    // \d+(_\d+)* at pos: its end, or npos.
    size_t digits(size_t pos) const {
        if (pos >= s_.size() || !is_digit(s_[pos])) return std::string::npos;
        size_t end = pos;
        while (true) {
            while (end < s_.size() && is_digit(s_[end])) ++end;
            if (end + 1 < s_.size() && s_[end] == '_' && is_digit(s_[end + 1])) { ++end; continue; }
            return end;
        }
    }

    // (?<!\.)(\d+_)*\d+((\.(\d+_)*\d+)?e[+\-]?(\d+_)*\d+|\.(\d+_)*\d+), case-insensitive.
    size_t float_literal(size_t pos) {
        if (pos > 0 && s_[pos - 1] == '.') return std::string::npos;
        const size_t int_end = digits(pos);
        if (int_end == std::string::npos) return std::string::npos;
        size_t frac_end = std::string::npos;
        if (int_end < s_.size() && s_[int_end] == '.') frac_end = digits(int_end + 1);
        const auto exponent = [&](size_t from) -> size_t {
            if (from >= s_.size() || (s_[from] != 'e' && s_[from] != 'E')) return std::string::npos;
            size_t q = from + 1;
            if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
            return digits(q);
        };
        size_t end = std::string::npos;
        if (frac_end != std::string::npos) end = exponent(frac_end);
        if (end == std::string::npos) end = exponent(int_end);
        if (end == std::string::npos) end = frac_end;
        if (end == std::string::npos) return std::string::npos;
        std::string text;
        for (size_t i = pos; i < end; ++i)
            if (s_[i] != '_') text.push_back(s_[i]);
        double value = 0;
        const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
        if (res.ec != std::errc() || res.ptr != text.data() + text.size())
            fail_unsupported(line_of(pos), "the number " + text + " (out of the range of a double)");
        Token t;
        t.type = Tok::Float;
        t.number = value;
        t.text = text;
        t.line = line_of(pos);
        tokens_.push_back(std::move(t));
        return end;
    }

    // 0b(_?[01])+ | 0o(_?[0-7])+ | 0x(_?[0-9a-f])+ | [1-9](_?\d)* | 0(_?0)*, case-insensitive.
    size_t integer_literal(size_t pos) {
        if (!is_digit(s_[pos])) return std::string::npos;
        int base = 10;
        size_t start = pos, end = pos;
        const auto run = [&](size_t from, int b) {
            size_t q = from;
            while (true) {
                size_t r = q;
                if (r < s_.size() && s_[r] == '_') ++r;
                if (r < s_.size() && hex_value(s_[r]) >= 0 && hex_value(s_[r]) < b) q = r + 1;
                else return q;
            }
        };
        if (s_[pos] == '0' && pos + 1 < s_.size()) {
            const char k = static_cast<char>(s_[pos + 1] | 0x20);
            const int b = k == 'b' ? 2 : k == 'o' ? 8 : k == 'x' ? 16 : 0;
            if (b) {
                const size_t q = run(pos + 2, b);
                if (q > pos + 2) { base = b; start = pos + 2; end = q; }
            }
        }
        if (end == pos) {
            if (s_[pos] == '0') {
                end = pos + 1;
                while (true) {
                    size_t r = end;
                    if (r < s_.size() && s_[r] == '_') ++r;
                    if (r < s_.size() && s_[r] == '0') end = r + 1;
                    else break;
                }
            } else {
                end = run(pos, 10);
            }
        }
        uint64_t value = 0;
        for (size_t i = start; i < end; ++i) {
            if (s_[i] == '_') continue;
            const auto d = static_cast<uint64_t>(hex_value(s_[i]));
            if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / static_cast<uint64_t>(base))
                fail_unsupported(line_of(pos), "an integer literal beyond 64 bits");
            value = value * static_cast<uint64_t>(base) + d;
        }
        Token t;
        t.type = Tok::Integer;
        t.integer = static_cast<int64_t>(value);
        t.text = s_.substr(pos, end - pos);
        t.line = line_of(pos);
        tokens_.push_back(std::move(t));
        return end;
    }

    // '...' or "..." with backslash escapes: its end, or npos when unterminated (Jinja then fails on the quote).
    size_t string_literal(size_t pos) {
        const char quote = s_[pos];
        size_t i = pos + 1;
        while (i < s_.size()) {
            if (s_[i] == quote) {
                Token t;
                t.type = Tok::String;
                t.text = unescape(std::string_view(s_).substr(pos + 1, i - pos - 1), line_of(pos));
                t.line = line_of(pos);
                tokens_.push_back(std::move(t));
                return i + 1;
            }
            if (s_[i] == '\\') {
                if (i + 1 >= s_.size()) return std::string::npos;
                size_t len;
                py::code_point_at(s_, i + 1, &len);
                i += 1 + len;
            } else {
                ++i;
            }
        }
        return std::string::npos;
    }

    // Python's bytes.decode("unicode-escape") after str.encode("ascii", "backslashreplace"), as Jinja decodes
    // string literals: escapes act on ASCII; a non-ASCII character after a backslash comes out as a backslash
    // followed by its Python escape spelling ("\é" gives the four characters \xe9).
    static std::string unescape(std::string_view body, int line) {
        std::string out;
        for (size_t i = 0; i < body.size();) {
            const char c = body[i];
            if (c != '\\') { out.push_back(c); ++i; continue; }
            const char e = body[i + 1];
            if (static_cast<unsigned char>(e) >= 0x80) {
                size_t len;
                const char32_t cp = py::code_point_at(body, i + 1, &len);
                static const char* hex = "0123456789abcdef";
                const int digits_n = cp < 0x100 ? 2 : cp < 0x10000 ? 4 : 8;
                out += cp < 0x100 ? "\\x" : cp < 0x10000 ? "\\u" : "\\U";
                for (int k = digits_n - 1; k >= 0; --k) out.push_back(hex[(cp >> (4 * k)) & 15]);
                i += 1 + len;
                continue;
            }
            i += 2;
            switch (e) {
                case '\n': break;
                case '\\': out.push_back('\\'); break;
                case '\'': out.push_back('\''); break;
                case '"': out.push_back('"'); break;
                case 'a': out.push_back('\a'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'v': out.push_back('\v'); break;
                case 'x': case 'u': case 'U': {
                    const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    uint32_t cp = 0;
                    for (int k = 0; k < n; ++k) {
                        const int h = i + k < body.size() ? hex_value(body[i + k]) : -1;
                        if (h < 0)
                            fail_syntax(line, std::string("truncated \\") + e + std::string(n, 'X') +
                                                  " escape in a string literal");
                        cp = cp * 16 + static_cast<uint32_t>(h);
                    }
                    i += static_cast<size_t>(n);
                    if (cp > 0x10ffff) fail_syntax(line, "illegal Unicode character in a string literal");
                    if (cp >= 0xd800 && cp <= 0xdfff)
                        fail_unsupported(line, "a lone surrogate escape in a string literal");
                    py::append_utf8(out, cp);
                    break;
                }
                case 'N': fail_unsupported(line, "a \\N{...} escape in a string literal");
                default:
                    if (e >= '0' && e <= '7') {
                        uint32_t cp = static_cast<uint32_t>(e - '0');
                        for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k, ++i)
                            cp = cp * 8 + static_cast<uint32_t>(body[i] - '0');
                        py::append_utf8(out, cp);
                    } else {
                        out.push_back('\\');
                        out.push_back(e);
                    }
            }
        }
        return out;
    }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
    size_t bad = 0;
    if (!py::valid_utf8(source, &bad))
        fail_syntax(
            1 + static_cast<int>(std::count(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(bad), '\n')),
            "the template is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    return Lexer(normalize_newlines(source)).run();
}

}  // namespace llms::chat::jinja

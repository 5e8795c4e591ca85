#include "core/chat/python_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>

namespace llms::chat::py {

bool is_space(char32_t c) {
    // CPython's _PyUnicode_IsWhitespace: bidirectional types WS, B, S and category Zs (29 code points).
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
    switch (c) {
        case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200a;
    }
}

bool valid_utf8(std::string_view s, size_t* bad_offset) {
    size_t i = 0;
    const size_t n = s.size();
    auto fail = [&](size_t at) {
        if (bad_offset) *bad_offset = at;
        return false;
    };
    while (i < n) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        if (b0 < 0x80) { ++i; continue; }
        int len;
        char32_t cp;
        if (b0 >= 0xc2 && b0 <= 0xdf) { len = 2; cp = b0 & 0x1f; }
        else if (b0 >= 0xe0 && b0 <= 0xef) { len = 3; cp = b0 & 0x0f; }
        else if (b0 >= 0xf0 && b0 <= 0xf4) { len = 4; cp = b0 & 0x07; }
        else return fail(i);
        if (i + len > n) return fail(i);
        for (int k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xc0) != 0x80) return fail(i);
            cp = (cp << 6) | (b & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return fail(i);
        i += len;
    }
    return true;
}

char32_t code_point_at(std::string_view s, size_t pos, size_t* length) {
    const auto b0 = static_cast<unsigned char>(s[pos]);
    int len = 1;
    char32_t cp = b0;
    if (b0 >= 0xf0) { len = 4; cp = b0 & 0x07; }
    else if (b0 >= 0xe0) { len = 3; cp = b0 & 0x0f; }
    else if (b0 >= 0xc0) { len = 2; cp = b0 & 0x1f; }
    for (int k = 1; k < len && pos + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3f);
    if (length) *length = static_cast<size_t>(len);
    return cp;
}

std::u32string decode(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        size_t len;
        out.push_back(code_point_at(s, i, &len));
        i += len;
    }
    return out;
}

std::string encode(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) append_utf8(out, c);
    return out;
}

size_t space_at(std::string_view s, size_t pos) {
    if (pos >= s.size()) return 0;
    size_t len;
    return is_space(code_point_at(s, pos, &len)) ? len : 0;
}

size_t length(std::string_view s) {
    size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
    return n;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string strip(std::string_view s, const std::string* chars, bool left, bool right) {
    const std::u32string set = chars ? decode(*chars) : std::u32string();
    const auto strippable = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_space(c); };
    const std::u32string text = decode(s);
    size_t begin = 0, end = text.size();
    if (left)
        while (begin < end && strippable(text[begin])) ++begin;
    if (right)
        while (end > begin && strippable(text[end - 1])) --end;
    return encode(std::u32string_view(text).substr(begin, end - begin));
}

std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit, bool from_right) {
    std::vector<std::string> parts;
    if (sep) {
        const std::string_view d(*sep);
        if (!from_right) {
            size_t start = 0;
            while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
                const size_t at = s.find(d, start);
                if (at == std::string_view::npos) break;
                parts.emplace_back(s.substr(start, at - start));
                start = at + d.size();
            }
            parts.emplace_back(s.substr(start));
        } else {
            size_t end = s.size();
            int64_t done = 0;
            while (maxsplit < 0 || done < maxsplit) {
                if (end < d.size()) break;
                const size_t at = s.rfind(d, end - d.size());
                if (at == std::string_view::npos) break;
                parts.emplace_back(s.substr(at + d.size(), end - at - d.size()));
                end = at;
                ++done;
            }
            parts.emplace_back(s.substr(0, end));
            std::reverse(parts.begin(), parts.end());
        }
        return parts;
    }
    // Whitespace: runs of whitespace separate, and no empty strings come out.
    const std::u32string t = decode(s);
    if (!from_right) {
        size_t i = 0;
        const size_t n = t.size();
        while (true) {
            while (i < n && is_space(t[i])) ++i;
            if (i == n) break;
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
                parts.push_back(encode(std::u32string_view(t).substr(i)));
                break;
            }
            size_t j = i;
            while (j < n && !is_space(t[j])) ++j;
            parts.push_back(encode(std::u32string_view(t).substr(i, j - i)));
            i = j;
        }
    } else {
        size_t i = t.size();
        while (true) {
            while (i > 0 && is_space(t[i - 1])) --i;
            if (i == 0) break;
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
                parts.push_back(encode(std::u32string_view(t).substr(0, i)));
                break;
            }
            size_t j = i;
            while (j > 0 && !is_space(t[j - 1])) --j;
            parts.push_back(encode(std::u32string_view(t).substr(j, i - j)));
            i = j;
        }
        std::reverse(parts.begin(), parts.end());
    }
    return parts;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
    const std::u32string t = decode(s);
    const auto is_break = [](char32_t c) {
        return c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e ||
               c == 0x85 || c == 0x2028 || c == 0x2029;
    };
    std::vector<std::string> lines;
    size_t i = 0, start = 0;
    const size_t n = t.size();
    while (i < n) {
        if (!is_break(t[i])) { ++i; continue; }
        size_t eol = i + 1;
        if (t[i] == '\r' && eol < n && t[eol] == '\n') ++eol;
        lines.push_back(encode(std::u32string_view(t).substr(start, (keepends ? eol : i) - start)));
        start = i = eol;
    }
    if (start < n) lines.push_back(encode(std::u32string_view(t).substr(start)));
    return lines;
}

std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count) {
    std::string out;
    int64_t done = 0;
    if (old_text.empty()) {
        // Python inserts `new` before every code point and at the end, up to count times.
        size_t i = 0;
        while (true) {
            if (count >= 0 && done >= count) { out.append(s.substr(i)); break; }
            out.append(new_text);
            ++done;
            if (i >= s.size()) break;
            size_t len;
            code_point_at(s, i, &len);
            out.append(s.substr(i, len));
            i += len;
        }
        return out;
    }
    size_t start = 0;
    while (count < 0 || done < count) {
        const size_t at = s.find(old_text, start);
        if (at == std::string_view::npos) break;
        out.append(s.substr(start, at - start));
        out.append(new_text);
        start = at + old_text.size();
        ++done;
    }
    out.append(s.substr(start));
    return out;
}

size_t replaced_size(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count) {
    uint64_t n = old_text.empty() ? length(s) + 1 : static_cast<uint64_t>(py::count(s, old_text));
    if (count >= 0 && static_cast<uint64_t>(count) < n) n = static_cast<uint64_t>(count);
    return s.size() - n * old_text.size() + n * new_text.size();
}

int64_t find(std::string_view s, std::string_view sub, bool from_right) {
    const size_t at = from_right ? s.rfind(sub) : s.find(sub);
    if (at == std::string_view::npos) return -1;
    return static_cast<int64_t>(length(s.substr(0, at)));
}

int64_t count(std::string_view s, std::string_view sub) {
    if (sub.empty()) return static_cast<int64_t>(length(s)) + 1;
    int64_t n = 0;
    for (size_t at = s.find(sub); at != std::string_view::npos; at = s.find(sub, at + sub.size())) ++n;
    return n;
}

std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string ascii_title(std::string_view s) {
    // Python: a cased character after a cased one is lowered, any other cased character is raised.
    std::string out(s);
    bool previous_cased = false;
    for (char& c : out) {
        const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
        if (lower && !previous_cased) c = static_cast<char>(c - 'a' + 'A');
        else if (upper && previous_cased) c = static_cast<char>(c - 'A' + 'a');
        previous_cased = lower || upper;
    }
    return out;
}

std::string ascii_capitalize(std::string_view s) {
    std::string out = ascii_lower(s);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

std::optional<std::string> str_repr(std::string_view s) {
    if (!is_ascii(s)) return std::nullopt;
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out(1, quote);
    static const char* hex = "0123456789abcdef";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == quote || ch == '\\') { out.push_back('\\'); out.push_back(ch); }
        else if (ch == '\t') out += "\\t";
        else if (ch == '\n') out += "\\n";
        else if (ch == '\r') out += "\\r";
        else if (c < 0x20 || c == 0x7f) { out += "\\x"; out.push_back(hex[c >> 4]); out.push_back(hex[c & 15]); }
        else out.push_back(ch);
    }
    out.push_back(quote);
    return out;
}

std::string float_repr(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    // The shortest round-trip digits, then Python's layout: exponent notation when the decimal exponent is
    // below -4 or at least 16 (float_repr_style 'short', format code 'r').
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    std::string sign;
    if (!sci.empty() && sci[0] == '-') { sign = "-"; sci.erase(0, 1); }
    const size_t e_pos = sci.find('e');
    std::string digits = sci.substr(0, e_pos);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const int exponent = std::atoi(sci.c_str() + e_pos + 1);
    if (exponent < -4 || exponent >= 16) {
        std::string mant = digits.substr(0, 1);
        if (digits.size() > 1) mant += "." + digits.substr(1);
        const int a = std::abs(exponent);
        return sign + mant + "e" + (exponent < 0 ? "-" : "+") + (a < 10 ? "0" : "") + std::to_string(a);
    }
    if (exponent >= 0) {
        const auto int_len = static_cast<size_t>(exponent) + 1;
        std::string int_part = digits.substr(0, std::min(int_len, digits.size()));
        if (int_part.size() < int_len) int_part.append(int_len - int_part.size(), '0');
        const std::string frac = digits.size() > int_len ? digits.substr(int_len) : "0";
        return sign + int_part + "." + frac;
    }
    return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
}

std::string float_json(double x) {
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
    return float_repr(x);
}

double round_float(double x, int64_t ndigits) {
    if (!std::isfinite(x) || ndigits > 330) return x;
    // to_chars with a precision is correctly rounded (ties to even on the exact value), like CPython's dtoa mode 3.
    std::string buf(static_cast<size_t>(ndigits) + 400, '\0');
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), x, std::chars_format::fixed,
                                   static_cast<int>(ndigits));
    double out = 0;
    std::from_chars(buf.data(), res.ptr, out);
    return out;
}

double float_floordiv(double a, double b) {
    // CPython's float_floor_div / _float_div_mod.
    double mod = std::fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) div -= 1.0;
    }
    if (div != 0) {
        double floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
        return floordiv;
    }
    return std::copysign(0.0, a / b);
}

double float_mod(double a, double b) {
    double mod = std::fmod(a, b);
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) mod += b;
    } else {
        mod = std::copysign(0.0, b);
    }
    return mod;
}

}  // namespace llms::chat::py

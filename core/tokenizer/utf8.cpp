// UTF-8 validation and lossy decoding with the rules of the Unicode standard (table 3-7, "well-formed UTF-8
// byte sequences"), which Rust's str and String::from_utf8_lossy follow.
#include "core/tokenizer/utf8.h"

namespace llms::hf {

namespace {

// Length of the well-formed sequence at s[i], or 0 with *bad set to the number of bytes of its maximal
// ill-formed prefix (at least 1).
size_t well_formed_at(std::string_view s, size_t i, size_t* bad) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;   // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) need = 2;
    else if (b0 == 0xE0) need = 3, lo = 0xA0;
    else if (b0 >= 0xE1 && b0 <= 0xEC) need = 3;
    else if (b0 == 0xED) need = 3, hi = 0x9F;   // no surrogates
    else if (b0 >= 0xEE && b0 <= 0xEF) need = 3;
    else if (b0 == 0xF0) need = 4, lo = 0x90;
    else if (b0 >= 0xF1 && b0 <= 0xF3) need = 4;
    else if (b0 == 0xF4) need = 4, hi = 0x8F;   // nothing past U+10FFFF
    if (need == 0) {
        *bad = 1;
        return 0;
    }
    for (size_t k = 1; k < need; ++k) {
        const bool ok = i + k < s.size() &&
                        (k == 1 ? (byte(i + k) >= lo && byte(i + k) <= hi) : (byte(i + k) & 0xC0) == 0x80);
        if (!ok) {
            *bad = k;
            return 0;
        }
    }
    return need;
}

}  // namespace

size_t first_invalid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        size_t bad = 0;
        const size_t n = well_formed_at(s, i, &bad);
        if (n == 0) return i;
        i += n;
    }
    return kValidUtf8;
}

char32_t decode_utf8(std::string_view s, size_t i, size_t* len) {
    const auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
    const size_t n = utf8_sequence_length(static_cast<unsigned char>(s[i]));
    *len = n;
    switch (n) {
        case 1: return b(0);
        case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string utf8_lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    size_t i = 0;
    while (i < bytes.size()) {
        size_t bad = 0;
        const size_t n = well_formed_at(bytes, i, &bad);
        if (n > 0) {
            out.append(bytes.data() + i, n);
            i += n;
        } else {
            out += "\xEF\xBF\xBD";   // U+FFFD
            i += bad;
        }
    }
    return out;
}

}  // namespace llms::hf

// Computed the way GPT-2's encoder.py bytes_to_unicode() does (and Hugging Face's bytes_char()).
#include "core/tokenizer/byte_level.h"

#include "core/tokenizer/utf8.h"

namespace llms::hf {

namespace {

struct Alphabet {
    std::array<std::string, 256> chars;
    std::array<int, 512> byte_of{};   // [U+0000, U+0200) -> byte, -1 outside the alphabet
    Alphabet() {
        byte_of.fill(-1);
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const char32_t code = printable(b) ? static_cast<char32_t>(b) : next++;
            append_utf8(chars[b], code);
            byte_of[code] = b;
        }
    }
    static bool printable(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }
};

const Alphabet& alphabet() {
    static const Alphabet a;
    return a;
}

}  // namespace

const std::array<std::string, 256>& byte_level_chars() { return alphabet().chars; }

int byte_level_byte(char32_t c) { return c < 512 ? alphabet().byte_of[c] : -1; }

}  // namespace llms::hf

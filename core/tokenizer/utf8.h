// UTF-8 helpers of the tokenizer.json tokenizer: strict validation of the text to encode, stepping over code
// points, and Rust's String::from_utf8_lossy (what the Hugging Face decoders do with bytes that are not UTF-8).
// No Unicode tables here: only the UTF-8 encoding rules.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace llms::hf {

inline constexpr size_t kValidUtf8 = std::string_view::npos;

// Offset of the first byte of the first ill-formed sequence in s (overlong forms, UTF-16 surrogates and values
// past U+10FFFF are ill-formed, as in Rust's str), or kValidUtf8 when s is well-formed UTF-8.
size_t first_invalid_utf8(std::string_view s);

// The code point that starts at s[i] and its length in bytes; s must be well-formed UTF-8.
char32_t decode_utf8(std::string_view s, size_t i, size_t* len);

// Bytes in a code point whose UTF-8 form starts with `lead` (1 for ASCII and for a stray continuation byte).
inline size_t utf8_sequence_length(unsigned char lead) {
    return lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

void append_utf8(std::string& out, char32_t c);

// Bytes to text exactly as Rust's String::from_utf8_lossy: every maximal prefix of an ill-formed sequence
// becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);

}  // namespace llms::hf

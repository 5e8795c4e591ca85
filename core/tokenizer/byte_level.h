// GPT-2's byte-level alphabet, shared by the ByteLevel pre-tokenizer (bytes -> printable characters) and the
// ByteLevel decoder (back): printable bytes stand for themselves, the other 68 become U+0100 onwards, in order.
#pragma once
#include <array>
#include <string>

namespace llms::hf {

// [256] the UTF-8 text of the character that stands for each byte ("Ġ" for 0x20).
const std::array<std::string, 256>& byte_level_chars();
// The byte a byte-level character stands for, or -1 when c is not in the alphabet.
int byte_level_byte(char32_t c);

}  // namespace llms::hf

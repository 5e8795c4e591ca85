// Unicode character properties the Hugging Face tokenizers library tests with Rust's char methods and regex
// classes, answered by ICU (icu-uc) so that no Unicode table is written by hand here.
#pragma once

namespace llms::hf {

// Rust char::is_whitespace: the White_Space property.
bool is_white_space(char32_t c);
// Rust regex \w: Alphabetic, Mark, Decimal_Number, Connector_Punctuation or Join_Control.
bool is_word_char(char32_t c);
// Rust char::is_numeric: general category Nd, Nl or No.
bool is_numeric(char32_t c);

}  // namespace llms::hf

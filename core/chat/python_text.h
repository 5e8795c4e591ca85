// Python's str semantics on UTF-8 text, for the chat template renderer (core/chat/jinja_*): Jinja runs on Python,
// so a template's string operations (len, indexing, strip, split, repr, float formatting) must give what CPython
// gives. Python strings are sequences of code points; these helpers decode UTF-8 where positions matter.
// Only what is exact without Unicode tables is here: whitespace is Python's str.isspace() set (a fixed list of 29
// code points), case mapping is ASCII only (callers refuse non-ASCII text where Python would map case).
// Torch-free and Qt-free.
#pragma once
#include "core/tokenizer/utf8.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llms::chat::py {

// Python's str.isspace() for one code point, which is also what re's \s matches in a str pattern.
bool is_space(char32_t c);

// Valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF)? On failure *bad_offset is the first bad byte.
bool valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

// Decoding of text already known to be valid UTF-8, and encoding back.
std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);
using hf::append_utf8;   // one UTF-8 encoder for the product (core/tokenizer/utf8.h)

// The code point at byte offset `pos` and its length in bytes (valid UTF-8 assumed).
char32_t code_point_at(std::string_view s, size_t pos, size_t* length);

// Byte length of the whitespace code point at `pos`, 0 when it is not whitespace (or pos is the end).
size_t space_at(std::string_view s, size_t pos);

// len(s): the number of code points.
size_t length(std::string_view s);

bool is_ascii(std::string_view s);

// str.strip / lstrip / rstrip: `chars` null strips whitespace, else every code point in *chars.
std::string strip(std::string_view s, const std::string* chars, bool left, bool right);

// str.split / rsplit: `sep` null splits on whitespace runs; maxsplit < 0 means no limit. sep must not be empty.
std::vector<std::string> split(std::string_view s, const std::string* sep, int64_t maxsplit, bool from_right);

// str.splitlines(keepends): Python's line boundaries (\n \r \r\n \v \f \x1c \x1d \x1e \x85 U+2028 U+2029).
std::vector<std::string> splitlines(std::string_view s, bool keepends);

// str.replace(old, new, count): count < 0 replaces all; an empty `old` inserts between code points as Python does.
std::string replace(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count);

// The length in bytes of what replace() would return, without building it.
size_t replaced_size(std::string_view s, std::string_view old_text, std::string_view new_text, int64_t count);

// str.find / rfind: the code point index of the first (last) occurrence, -1 when absent.
int64_t find(std::string_view s, std::string_view sub, bool from_right);

// str.count(sub): non-overlapping occurrences (len + 1 for an empty sub).
int64_t count(std::string_view s, std::string_view sub);

// ASCII case operations as Python applies them to ASCII text (str.upper, lower, title, capitalize).
std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);
std::string ascii_title(std::string_view s);
std::string ascii_capitalize(std::string_view s);

// repr(s) for a str, or nullopt when s has a code point outside printable ASCII other than \t \n \r and the
// other ASCII controls (Python decides by Unicode tables for the others; the caller refuses then).
std::optional<std::string> str_repr(std::string_view s);

// repr(x) / str(x) for a float: the shortest text that reads back to x, in Python's layout
// ("1.0", "0.1", "1e+16", "1.5e-07", "inf", "nan", "-0.0").
std::string float_repr(double x);

// The JSON spelling of a float as json.dumps writes it: float_repr for finite values, NaN / Infinity / -Infinity.
std::string float_json(double x);

// Python's round(x, ndigits) for a float (correctly rounded, ties to even on the exact binary value).
double round_float(double x, int64_t ndigits);

// Python's float floor division and modulo (sign of the divisor); divisor must not be zero.
double float_floordiv(double a, double b);
double float_mod(double a, double b);

}  // namespace llms::chat::py

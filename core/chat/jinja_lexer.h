// The first stage of the chat template renderer: template text -> tokens, reproducing jinja2.lexer (3.1) with the
// settings transformers uses (trim_blocks=True, lstrip_blocks=True, default delimiters, keep_trailing_newline
// False): newlines normalised to \n and one trailing newline dropped; {%- -%} {{- -}} {#- -#} strip the whitespace
// beside them; {%+ %} and %+} turn lstrip / trim off for one tag; a block or comment tag alone on its line takes
// that line's indentation and its newline with it; {% raw %} ... {% endraw %}; string literals decoded as Python's
// unicode-escape does. Torch-free and Qt-free.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llms::chat::jinja {

enum class Tok {
    Data,            // template text between tags (text: the text)
    VariableBegin,   // {{
    VariableEnd,     // }}
    BlockBegin,      // {%
    BlockEnd,        // %}
    Name,            // text: the identifier
    String,          // text: the decoded value
    Integer,         // integer
    Float,           // number
    Operator,        // text: "+", "//", "==", "(", ...
    Eof,
};

struct Token {
    Tok type = Tok::Eof;
    std::string text;
    int64_t integer = 0;
    double number = 0;
    int line = 1;
};

// The tokens of a template, ending with Eof. TemplateFailure (Syntax) with the line for what Jinja's lexer refuses
// (an unclosed comment or raw block, an unexpected character, unbalanced brackets inside a tag, a bad escape);
// (Unsupported) for what it accepts but this renderer does not (non-ASCII identifiers, \N{...} escapes, integers
// beyond 64 bits). Text that is not UTF-8 is refused with its byte offset.
std::vector<Token> tokenize(std::string_view source);

}  // namespace llms::chat::jinja

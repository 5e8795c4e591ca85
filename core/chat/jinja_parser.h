// The second stage of the chat template renderer: tokens -> Template, following jinja2.parser (3.1) with the two
// extensions transformers enables (loopcontrols: {% break %} {% continue %}; its {% generation %} tag).
// Statements: if / elif / else, for (with an `if` filter and else), set (also ns.attr = ..., tuple unpacking and
// the block form), macro, print, break, continue, generation; raw is handled by the lexer. Every filter and test
// is checked here against what the renderer implements, so an unsupported one refuses the whole template before
// anything renders. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_ast.h"

#include <memory>
#include <string_view>

namespace llms::chat::jinja {

// The parsed template. TemplateFailure with the line: Syntax for what Jinja itself rejects (unbalanced or
// misplaced tags, bad expressions), Unsupported for valid Jinja outside the subset ({% include %}, {% call %},
// unknown-to-us filters or tests, recursive loops, *args).
std::shared_ptr<Template> parse_template(std::string_view source);

}  // namespace llms::chat::jinja

// The last stage of the chat template renderer: walks a parsed Template with the variables transformers passes
// (messages, tools, documents, add_generation_prompt, the special tokens, extra keyword arguments) and the globals
// it adds (raise_exception, strftime_now) besides Jinja's own (range, dict, namespace). Scoping is Jinja's: a for
// loop body starts a fresh scope on every iteration, {% set %} inside it does not leak out (namespace() objects
// carry state across), `if` opens no scope, a macro sees the scope it was defined in. Limits keep a hostile
// template from exhausting the machine: 64 MiB of output, a million loop iterations, macros 50 calls deep.
// Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_ast.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llms::chat::jinja {

struct RenderInput {
    std::vector<std::pair<std::string, Value>> variables;           // render(**kwargs)
    std::function<std::string(const std::string& format)> strftime_now;   // the strftime_now() global
};

// The rendered text. TemplateFailure (with the line of the failing expression or statement) when Jinja would
// fail too, when the template calls raise_exception, or when it leaves the supported subset.
std::string render_template(const Template& tpl, const RenderInput& input);

// Jinja's compile-time value of an expression (nodes.Expr.as_const): literals and what operators, filters and tests
// make of them; none where Jinja raises Impossible (a variable, a call, a context filter such as map or select,
// any error). Slices here go through the sandbox's getitem, so slicing what cannot be sliced gives Undefined
// instead of the TypeError it raises at run time: a quirk of Jinja that constant folding exposes.
struct ConstantValue {
    std::optional<Value> value;   // the compile-time value, when Jinja has one
    std::string unsupported;      // else, when computing it left the supported subset: what (refuse, do not guess)
};
ConstantValue constant_value(const Expr& e);

// compiler.has_safe_repr: whether Jinja's optimizer may replace an expression by this constant.
bool has_safe_repr(const Value& v);

}  // namespace llms::chat::jinja

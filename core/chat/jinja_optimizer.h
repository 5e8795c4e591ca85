// Jinja's compile-time constant folding, reproduced because it is observable: Jinja replaces every expression
// whose value is known at compile time by that value (jinja2.optimizer), and prints the known value of each
// {{ expression }} without running it (CodeGenerator.visit_Output). Compile-time values follow nodes.as_const,
// which differs from run time in one place: slicing something that cannot be sliced gives Undefined ("") instead
// of a TypeError, e.g. {{ (true)[1:] }} renders "" while {{ x[1:] }} with x = true fails. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_ast.h"

namespace llms::chat::jinja {

// Folds the constants of a freshly parsed template in place.
void fold_constants(Template& tpl);

}  // namespace llms::chat::jinja

// The tests of `x is name(args)` (and of select / reject), with jinja2.tests' meaning: defined, none, string,
// mapping, iterable, sequence, number, boolean, integer, float, true, false, callable, odd, even, divisibleby,
// in, lower, upper, sameas, escaped and the comparisons (eq / equalto / ==, ne, lt, le, gt, ge, ...).
// Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <string>

namespace llms::chat::jinja {

// The test's answer. Unsupported for a name outside jinja_builtins' list (select("...") names a test at run time).
bool apply_test(const std::string& name, const Value& x, Args& args);

}  // namespace llms::chat::jinja

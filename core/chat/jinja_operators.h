// The operators of template expressions with Python's semantics (Jinja compiles them to Python operators):
// arithmetic, comparison, `in`, item and attribute access through the sandboxed environment's getitem / getattr
// rules (a missing key, index or attribute gives Undefined; a method of str / dict / list comes back bound), and
// slicing. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <optional>
#include <string>

namespace llms::chat::jinja {

// a op b for op in + - * / // % **. TypeError / ZeroDivisionError as runtime failures; Unsupported for results
// Python would give but 64-bit numbers cannot (integers beyond 64 bits) and for str % formatting.
Value binary_op(const std::string& op, const Value& a, const Value& b);

// -x (minus) or +x.
Value unary_op(bool minus, const Value& x);

// a op b for op in == != < <= > >= "in" "not in".
bool compare(const std::string& op, const Value& a, const Value& b);

// item in container.
bool contains(const Value& container, const Value& item);

// environment.getitem(obj, key) of the sandbox: obj[key], else getattr(obj, key) for a str key, else Undefined.
Value get_item(const Value& obj, const Value& key);

// environment.getattr(obj, name) of the sandbox: getattr(obj, name), else obj[name], else Undefined.
Value get_attr(const Value& obj, const std::string& name);

// obj[start:stop:step] (each part None when not given).
Value slice_of(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The message of the error Jinja raises when an Undefined is used (its hint, or "'x' is undefined").
[[noreturn]] void fail_undefined(const Value& undefined);

}  // namespace llms::chat::jinja

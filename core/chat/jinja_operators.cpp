#include "core/chat/jinja_operators.h"

#include "core/chat/jinja_error.h"
#include "core/chat/jinja_methods.h"
#include "core/chat/python_text.h"

#include <cmath>
#include <limits>

namespace llms::chat::jinja {

namespace {

constexpr double kExactInt = 9007199254740992.0;   // 2^53: integers up to here convert to double exactly

[[noreturn]] void type_error(const std::string& op, const Value& a, const Value& b) {
    fail_runtime("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

[[noreturn]] void too_big() { fail_unsupported_here("an integer beyond 64 bits (Python's would grow)"); }

// A float from an int for mixed arithmetic, refusing where CPython's exact mixed comparison would differ.
double exact_double(int64_t i) {
    if (std::fabs(static_cast<double>(i)) > kExactInt)
        fail_unsupported_here("mixing a float with an integer beyond 2^53");
    return static_cast<double>(i);
}

Value repeat(const Value& seq_or_str, int64_t n) {
    if (n < 0) n = 0;
    if (seq_or_str.is_string()) {
        const std::string& s = seq_or_str.str();
        if (!s.empty() && static_cast<uint64_t>(n) > kMaxTextBytes / s.size()) check_text_size(kMaxTextBytes + 1);
        std::string out;
        out.reserve(s.size() * static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k) out += s;
        return Value::string(std::move(out));
    }
    const Sequence& s = seq_or_str.seq();
    if (!s.items.empty() && static_cast<uint64_t>(n) > kMaxListItems / s.items.size())
        check_list_size(kMaxListItems + 1);
    std::vector<Value> out;
    for (int64_t k = 0; k < n; ++k) out.insert(out.end(), s.items.begin(), s.items.end());
    return s.kind == SeqKind::Tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

bool is_list_or_tuple(const Value& x) {
    return x.is_sequence() && (x.seq().kind == SeqKind::List || x.seq().kind == SeqKind::Tuple);
}

std::string object_description(const Value& x) {
    if (x.is_none()) return "None";
    return type_name(x) + " object";
}

// Python's comparison of two numbers for <, <=, >, >=.
bool order_numbers(const std::string& op, const Value& a, const Value& b) {
    int64_t x, y;
    const bool xi = integer_of(a, &x), yi = integer_of(b, &y);
    if (xi && yi) {
        if (op == "<") return x < y;
        if (op == "<=") return x <= y;
        if (op == ">") return x > y;
        return x >= y;
    }
    const double p = xi ? exact_double(x) : std::get<double>(a.v);
    const double q = yi ? exact_double(y) : std::get<double>(b.v);
    if (op == "<") return p < q;
    if (op == "<=") return p <= q;
    if (op == ">") return p > q;
    return p >= q;
}

bool order(const std::string& op, const Value& a, const Value& b) {
    if (a.is_undefined()) fail_undefined(a);
    if (b.is_undefined()) fail_undefined(b);
    if (a.is_number() && b.is_number()) return order_numbers(op, a, b);
    if (a.is_string() && b.is_string()) {
        const int c = a.str().compare(b.str());   // UTF-8 byte order is code point order
        if (op == "<") return c < 0;
        if (op == "<=") return c <= 0;
        if (op == ">") return c > 0;
        return c >= 0;
    }
    if (is_list_or_tuple(a) && is_list_or_tuple(b) && a.seq().kind == b.seq().kind) {
        const NestingGuard guard;
        const auto &x = a.seq().items, &y = b.seq().items;
        const size_t n = std::min(x.size(), y.size());
        for (size_t i = 0; i < n; ++i)
            if (!equals(x[i], y[i])) return order(op, x[i], y[i]);
        return order_numbers(op, Value::integer(static_cast<int64_t>(x.size())),
                             Value::integer(static_cast<int64_t>(y.size())));
    }
    fail_runtime("'" + op + "' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

// Python's slice.indices(length) and the positions it selects.
std::vector<size_t> slice_positions(size_t length, const Value& start, const Value& stop, const Value& step) {
    const auto n = static_cast<int64_t>(length);
    int64_t st = 1;
    if (!step.is_none() && !integer_of(step, &st)) return {};
    if (st == 0) fail_runtime("slice step cannot be zero");
    const int64_t lower = st > 0 ? 0 : -1, upper = st > 0 ? n : n - 1;
    const auto bound = [&](const Value& v, int64_t dflt) {
        int64_t x;
        if (v.is_none() || !integer_of(v, &x)) return dflt;
        if (x < 0) {
            x += n;
            if (x < lower) x = lower;
        } else if (x > upper) {
            x = upper;
        }
        return x;
    };
    const int64_t from = bound(start, st > 0 ? lower : upper);
    const int64_t to = bound(stop, st > 0 ? upper : lower);
    std::vector<size_t> positions;
    if (st > 0)
        for (int64_t i = from; i < to; i += st) positions.push_back(static_cast<size_t>(i));
    else
        for (int64_t i = from; i > to; i += st) positions.push_back(static_cast<size_t>(i));
    return positions;
}

bool valid_slice_part(const Value& v) {
    int64_t x;
    return v.is_none() || integer_of(v, &x);
}

// Attributes that Python numbers and None have: refused rather than guessed.
bool is_number_attribute(const std::string& name) {
    static const char* const names[] = {"real", "imag", "numerator", "denominator", "conjugate", "bit_length",
                                        "bit_count", "to_bytes", "from_bytes", "as_integer_ratio", "is_integer",
                                        "hex", "fromhex"};
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

// getattr(obj, name) in Python: the value, nullopt when Python has no such attribute (AttributeError).
std::optional<Value> python_getattr(const Value& obj, const std::string& name) {
    if (!name.empty() && name[0] == '_')
        fail_unsupported_here("the private attribute '" + name + "' (the sandbox blocks it)");
    if (obj.is_undefined()) fail_undefined(obj);
    if (obj.is_object()) {
        if (const Value* v = obj.object().attrs.find(name)) return *v;
        return std::nullopt;
    }
    if (obj.is_string() || obj.is_dict() || obj.is_sequence()) return method_of(obj, name);
    if (obj.is_number() && is_number_attribute(name))
        fail_unsupported_here("the number attribute '" + name + "'");
    return std::nullopt;
}

}  // namespace

[[noreturn]] void fail_undefined(const Value& undefined) {
    const std::string& hint = undefined.undefined_hint();
    fail_runtime(hint.empty() ? "an undefined value is used" : hint);
}

Value binary_op(const std::string& op, const Value& a, const Value& b) {
    // str % x formats whatever x is (even Undefined, which passes for a mapping): refused before x is looked at.
    if (op == "%" && a.is_string()) fail_unsupported_here("printf-style string formatting with %");
    if (a.is_undefined()) fail_undefined(a);
    if (b.is_undefined()) fail_undefined(b);
    int64_t x = 0, y = 0;
    const bool xi = integer_of(a, &x), yi = integer_of(b, &y);
    const bool numbers = a.is_number() && b.is_number();
    if (op == "+") {
        if (xi && yi) {
            int64_t r;
            if (__builtin_add_overflow(x, y, &r)) too_big();
            return Value::integer(r);
        }
        if (numbers) return Value::number((xi ? exact_double(x) : float_of(a)) + (yi ? exact_double(y) : float_of(b)));
        if (a.is_string() && b.is_string()) {
            check_text_size(a.str().size() + b.str().size());
            return Value::string(a.str() + b.str());
        }
        if (is_list_or_tuple(a) && is_list_or_tuple(b) && a.seq().kind == b.seq().kind) {
            check_list_size(a.seq().items.size() + b.seq().items.size());
            std::vector<Value> items = a.seq().items;
            items.insert(items.end(), b.seq().items.begin(), b.seq().items.end());
            return a.seq().kind == SeqKind::Tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
        }
        if (a.is_string()) fail_runtime("can only concatenate str (not \"" + type_name(b) + "\") to str");
        type_error("+", a, b);
    }
    if (op == "-") {
        if (xi && yi) {
            int64_t r;
            if (__builtin_sub_overflow(x, y, &r)) too_big();
            return Value::integer(r);
        }
        if (numbers) return Value::number((xi ? exact_double(x) : float_of(a)) - (yi ? exact_double(y) : float_of(b)));
        type_error("-", a, b);
    }
    if (op == "*") {
        if (xi && yi) {
            int64_t r;
            if (__builtin_mul_overflow(x, y, &r)) too_big();
            return Value::integer(r);
        }
        if (numbers) return Value::number((xi ? exact_double(x) : float_of(a)) * (yi ? exact_double(y) : float_of(b)));
        if ((a.is_string() || is_list_or_tuple(a)) && yi) return repeat(a, y);
        if ((b.is_string() || is_list_or_tuple(b)) && xi) return repeat(b, x);
        type_error("*", a, b);
    }
    if (op == "/") {
        if (!numbers) type_error("/", a, b);
        const double p = xi ? exact_double(x) : float_of(a), q = yi ? exact_double(y) : float_of(b);
        if (q == 0) fail_runtime(xi && yi ? "division by zero" : "float division by zero");
        return Value::number(p / q);
    }
    if (op == "//" || op == "%") {
        if (!numbers) type_error(op, a, b);
        if (xi && yi) {
            if (y == 0) fail_runtime("integer division or modulo by zero");
            if (x == std::numeric_limits<int64_t>::min() && y == -1) too_big();
            int64_t q = x / y, r = x % y;
            if (r != 0 && ((r < 0) != (y < 0))) { --q; r += y; }
            return Value::integer(op == "//" ? q : r);
        }
        const double p = xi ? exact_double(x) : float_of(a), q = yi ? exact_double(y) : float_of(b);
        if (q == 0) fail_runtime(op == "//" ? "float floor division by zero" : "float modulo");
        return Value::number(op == "//" ? py::float_floordiv(p, q) : py::float_mod(p, q));
    }
    if (op == "**") {
        if (!numbers) type_error("** or pow()", a, b);
        if (xi && yi && y >= 0) {
            int64_t r = 1, base = x, e = y;
            while (e > 0) {
                if (e & 1)
                    if (__builtin_mul_overflow(r, base, &r)) too_big();
                e >>= 1;
                if (e > 0 && __builtin_mul_overflow(base, base, &base)) too_big();
            }
            return Value::integer(r);
        }
        const double p = xi ? exact_double(x) : float_of(a), q = yi ? exact_double(y) : float_of(b);
        if (p == 0 && q < 0) fail_runtime("0.0 cannot be raised to a negative power");
        if (p < 0 && std::floor(q) != q) fail_unsupported_here("a negative number to a fractional power (complex)");
        const double r = std::pow(p, q);
        if (std::isinf(r) && std::isfinite(p) && std::isfinite(q)) fail_runtime("numerical result out of range");
        return Value::number(r);
    }
    fail_unsupported_here("the operator " + op);
}

Value unary_op(bool minus, const Value& x) {
    if (x.is_undefined()) fail_undefined(x);
    int64_t i;
    if (integer_of(x, &i)) {
        if (!minus) return Value::integer(i);
        if (i == std::numeric_limits<int64_t>::min()) too_big();
        return Value::integer(-i);
    }
    if (x.is_float()) return Value::number(minus ? -std::get<double>(x.v) : std::get<double>(x.v));
    fail_runtime(std::string("bad operand type for unary ") + (minus ? "-" : "+") + ": '" + type_name(x) + "'");
}

bool compare(const std::string& op, const Value& a, const Value& b) {
    if (op == "==") return equals(a, b);
    if (op == "!=") return !equals(a, b);
    if (op == "in") return contains(b, a);
    if (op == "not in") return !contains(b, a);
    return order(op, a, b);
}

bool contains(const Value& container, const Value& item) {
    if (container.is_undefined()) return false;
    if (container.is_string()) {
        if (!item.is_string())
            fail_runtime("'in <string>' requires string as left operand, not " + type_name(item));
        return container.str().find(item.str()) != std::string::npos;
    }
    if (container.is_sequence()) {
        const Sequence& s = container.seq();
        if (s.kind == SeqKind::Iterator) {   // consumed up to the item found, as Python does
            while (std::optional<Value> v = next_item(s))
                if (equals(*v, item)) return true;
            return false;
        }
        for (const Value& v : s.items)
            if (equals(v, item)) return true;
        return false;
    }
    if (container.is_dict()) {
        if (!hashable(item)) fail_runtime("unhashable type: '" + type_name(item) + "'");
        return item.is_string() && container.dict().find(item.str()) != nullptr;
    }
    if (container.is_object() && !container.object().is_namespace)
        fail_unsupported_here("'in' on a loop object");
    fail_runtime("argument of type '" + type_name(container) + "' is not iterable");
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) fail_undefined(obj);
    int64_t index;
    const bool int_key = integer_of(key, &index);
    const auto indexed = [&](size_t size, auto&& at) -> Value {
        const int64_t n = static_cast<int64_t>(size);
        const int64_t i = index < 0 ? index + n : index;
        if (i < 0 || i >= n)
            return Value::undefined(type_name(obj) + " object has no element " + std::to_string(index));
        return at(static_cast<size_t>(i));
    };
    if (obj.is_string() && int_key) {
        const std::u32string cps = py::decode(obj.str());
        return indexed(cps.size(), [&](size_t i) { return Value::string(py::encode(cps.substr(i, 1))); });
    }
    if (obj.is_sequence() && int_key) {
        const Sequence& s = obj.seq();
        if (s.kind == SeqKind::List || s.kind == SeqKind::Tuple || s.kind == SeqKind::Range)
            return indexed(s.items.size(), [&](size_t i) { return s.items[i]; });
    }
    if (obj.is_dict()) {
        if (key.is_string()) {
            if (const Value* v = obj.dict().find(key.str())) return *v;
        } else {
            return Value::undefined("'dict object' has no attribute '" + to_str(key) + "'");
        }
    }
    // obj[key] failed (or does not apply): a str key falls back to getattr.
    if (key.is_string()) {
        if (obj.is_sequence() && (obj.seq().kind == SeqKind::View || obj.seq().kind == SeqKind::Iterator))
            fail_unsupported_here("an attribute of a " + type_name(obj) + " object");
        if (auto v = python_getattr(obj, key.str())) return *v;
        return Value::undefined("'" + object_description(obj) + "' has no attribute '" + key.str() + "'");
    }
    return Value::undefined("'" + object_description(obj) + "' has no element " +
                            (key.is_undefined() ? std::string("Undefined") : repr(key)));
}

Value get_attr(const Value& obj, const std::string& name) {
    if (auto v = python_getattr(obj, name)) return *v;
    if (obj.is_dict()) {
        if (const Value* v = obj.dict().find(name)) return *v;
    }
    return Value::undefined("'" + object_description(obj) + "' has no attribute '" + name + "'");
}

Value slice_of(const Value& obj, const Value& start, const Value& stop, const Value& step) {
    // Jinja compiles a slice to Python's obj[a:b:c] directly (not through environment.getitem): what cannot be
    // sliced is a TypeError, not Undefined.
    if (obj.is_undefined()) fail_undefined(obj);
    const bool sliceable = obj.is_string() || (obj.is_sequence() && (obj.seq().kind == SeqKind::List ||
                                                                     obj.seq().kind == SeqKind::Tuple ||
                                                                     obj.seq().kind == SeqKind::Range));
    if (!sliceable) {
        if (obj.is_dict()) fail_runtime("unhashable type: 'slice'");
        fail_runtime("'" + type_name(obj) + "' object is not subscriptable");
    }
    if (!valid_slice_part(start) || !valid_slice_part(stop) || !valid_slice_part(step))
        fail_runtime("slice indices must be integers or None or have an __index__ method");
    if (obj.is_string()) {
        const std::u32string cps = py::decode(obj.str());
        std::u32string out;
        for (size_t i : slice_positions(cps.size(), start, stop, step)) out.push_back(cps[i]);
        return Value::string(py::encode(out));
    }
    const Sequence& s = obj.seq();
    std::vector<Value> out;
    for (size_t i : slice_positions(s.items.size(), start, stop, step)) out.push_back(s.items[i]);
    if (s.kind == SeqKind::Tuple) return Value::tuple(std::move(out));
    Value r = Value::list(std::move(out));
    if (s.kind == SeqKind::Range) {
        auto copy = std::make_shared<Sequence>(r.seq());
        copy->kind = SeqKind::Range;
        r.v = SequencePtr(std::move(copy));
    }
    return r;
}

}  // namespace llms::chat::jinja

#include "core/chat/jinja_value.h"

#include "core/chat/jinja_error.h"
#include "core/chat/python_text.h"

#include <cmath>
#include <limits>

namespace llms::chat::jinja {

namespace {

Value make_sequence(SeqKind kind, std::vector<Value> items) {
    auto s = std::make_shared<Sequence>();
    s->kind = kind;
    s->items = std::move(items);
    Value x;
    x.v = SequencePtr(std::move(s));
    return x;
}

// An int and a float are equal when the float is integral and the same number (CPython compares exactly).
bool int_equals_float(int64_t i, double f) {
    if (!std::isfinite(f) || std::floor(f) != f) return false;
    if (f < -9223372036854775808.0 || f >= 9223372036854775808.0) return false;
    return static_cast<int64_t>(f) == i;
}

std::string join_reprs(const std::vector<Value>& items, size_t from) {
    std::string out;
    for (size_t i = from; i < items.size(); ++i) {
        if (i > from) out += ", ";
        out += repr(items[i]);
    }
    return out;
}

thread_local int g_nesting = 0;

}  // namespace

NestingGuard::NestingGuard() {
    if (++g_nesting > 200) {
        --g_nesting;
        fail_unsupported_here("a value nested more than 200 levels deep");
    }
}
NestingGuard::~NestingGuard() { --g_nesting; }

void check_text_size(size_t bytes) {
    if (bytes > kMaxTextBytes) fail_unsupported_here("a string over 64 MiB");
}
void check_list_size(size_t items) {
    if (items > kMaxListItems) fail_unsupported_here("a list of over 4 million items");
}

Value Value::list(std::vector<Value> items) { return make_sequence(SeqKind::List, std::move(items)); }
Value Value::tuple(std::vector<Value> items) { return make_sequence(SeqKind::Tuple, std::move(items)); }
Value Value::iterator(std::vector<Value> items) {
    auto state = std::make_shared<std::pair<std::vector<Value>, size_t>>(std::move(items), 0);
    return generator([state]() -> std::optional<Value> {
        if (state->second >= state->first.size()) return std::nullopt;
        return state->first[state->second++];
    });
}

Value Value::generator(std::function<std::optional<Value>()> next) {
    auto s = std::make_shared<Sequence>();
    s->kind = SeqKind::Iterator;
    s->next = std::move(next);
    Value x;
    x.v = SequencePtr(std::move(s));
    return x;
}

std::optional<Value> next_item(const Sequence& iterator) {
    if (!iterator.next) return std::nullopt;
    std::optional<Value> v = iterator.next();
    if (!v) iterator.next = nullptr;   // exhausted for good
    return v;
}

std::function<std::optional<Value>()> pull_from(const Value& x) {
    if (x.is_sequence() && x.seq().kind == SeqKind::Iterator) {
        const SequencePtr s = std::get<SequencePtr>(x.v);
        return [s] { return next_item(*s); };
    }
    auto state = std::make_shared<std::pair<std::optional<std::vector<Value>>, size_t>>(std::nullopt, 0);
    return [state, x]() -> std::optional<Value> {
        if (!state->first) state->first = iterate(x);
        if (state->second >= state->first->size()) return std::nullopt;
        return (*state->first)[state->second++];
    };
}

Value Value::dict(Dict d) {
    Value x;
    x.v = DictPtr(std::make_shared<const Dict>(std::move(d)));
    return x;
}

Value Value::callable(std::string name, std::function<Value(Args&)> call) {
    Value x;
    x.v = CallablePtr(std::make_shared<const Callable>(Callable{std::move(name), std::move(call)}));
    return x;
}

const Value* Dict::find(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k == key) return &v;
    return nullptr;
}

void Dict::set(const std::string& key, Value value) {
    for (auto& [k, v] : entries)
        if (k == key) { v = std::move(value); return; }
    entries.emplace_back(key, std::move(value));
}

std::string type_name(const Value& x) {
    switch (x.v.index()) {
        case 0: return "Undefined";
        case 1: return "NoneType";
        case 2: return "bool";
        case 3: return "int";
        case 4: return "float";
        case 5: return "str";
        case 6:
            switch (x.seq().kind) {
                case SeqKind::List: return "list";
                case SeqKind::Tuple: return "tuple";
                case SeqKind::Range: return "range";
                case SeqKind::View: return "dict view";
                case SeqKind::Iterator: return "generator";
            }
            return "sequence";
        case 7: return "dict";
        case 8: return x.object().type_name;
        default: return "function";
    }
}

bool truthy(const Value& x) {
    if (x.is_undefined() || x.is_none()) return false;
    if (x.is_bool()) return std::get<bool>(x.v);
    if (x.is_int()) return std::get<int64_t>(x.v) != 0;
    if (x.is_float()) return std::get<double>(x.v) != 0.0;
    if (x.is_string()) return !x.str().empty();
    if (x.is_sequence()) {
        const Sequence& s = x.seq();
        return s.kind == SeqKind::Iterator || !s.items.empty();
    }
    if (x.is_dict()) return !x.dict().entries.empty();
    return true;   // objects and functions
}

std::string to_str(const Value& x) {
    if (x.is_undefined()) return "";
    if (x.is_string()) return x.str();
    return repr(x);
}

std::string repr(const Value& x) {
    if (x.is_undefined()) return "Undefined";
    if (x.is_none()) return "None";
    if (x.is_bool()) return std::get<bool>(x.v) ? "True" : "False";
    if (x.is_int()) return std::to_string(std::get<int64_t>(x.v));
    if (x.is_float()) return py::float_repr(std::get<double>(x.v));
    if (x.is_string()) {
        if (auto r = py::str_repr(x.str())) return *r;
        fail_unsupported_here("printing a list or dict that holds non-ASCII text (Python escapes some characters "
                              "by Unicode tables this renderer does not carry)");
    }
    if (x.is_sequence()) {
        const NestingGuard guard;
        const Sequence& s = x.seq();
        if (s.kind == SeqKind::List) return "[" + join_reprs(s.items, 0) + "]";
        if (s.kind == SeqKind::Tuple)
            return "(" + join_reprs(s.items, 0) + (s.items.size() == 1 ? ",)" : ")");
        fail_unsupported_here("printing a " + type_name(x) + " object (convert it with |list first)");
    }
    if (x.is_dict()) {
        const NestingGuard guard;
        std::string out = "{";
        bool first = true;
        for (const auto& [k, v] : x.dict().entries) {
            if (!first) out += ", ";
            first = false;
            out += repr(Value::string(k)) + ": " + repr(v);
        }
        return out + "}";
    }
    fail_unsupported_here("printing a " + type_name(x) + " object");
}

bool equals(const Value& x, const Value& y) {
    if (x.is_undefined() || y.is_undefined()) return x.is_undefined() && y.is_undefined();
    if (x.is_none() || y.is_none()) return x.is_none() && y.is_none();
    if (x.is_number() && y.is_number()) {
        int64_t a, b;
        const bool ai = integer_of(x, &a), bi = integer_of(y, &b);
        if (ai && bi) return a == b;
        if (ai) return int_equals_float(a, std::get<double>(y.v));
        if (bi) return int_equals_float(b, std::get<double>(x.v));
        return std::get<double>(x.v) == std::get<double>(y.v);
    }
    if (x.is_string() && y.is_string()) return x.str() == y.str();
    if (x.is_sequence() && y.is_sequence()) {
        const NestingGuard guard;
        const Sequence &a = x.seq(), &b = y.seq();
        if (&a == &b && a.kind != SeqKind::View) return true;
        if (a.kind == SeqKind::View || b.kind == SeqKind::View)
            fail_unsupported_here("comparing dict views (convert them with |list first)");
        if (a.kind != b.kind || a.kind == SeqKind::Iterator) return false;
        if (a.items.size() != b.items.size()) return false;
        for (size_t i = 0; i < a.items.size(); ++i)
            if (!equals(a.items[i], b.items[i])) return false;
        return true;
    }
    if (x.is_dict() && y.is_dict()) {
        const NestingGuard guard;
        const Dict &a = x.dict(), &b = y.dict();
        if (a.entries.size() != b.entries.size()) return false;
        for (const auto& [k, v] : a.entries) {
            const Value* w = b.find(k);
            if (!w || !equals(v, *w)) return false;
        }
        return true;
    }
    if (x.is_object() && y.is_object()) return &x.object() == &y.object();
    if (x.is_callable() && y.is_callable()) return &x.callable() == &y.callable();
    return false;
}

std::vector<Value> iterate(const Value& x) {
    if (x.is_undefined()) return {};
    if (x.is_string()) {
        std::vector<Value> chars;
        const std::string& s = x.str();
        for (size_t i = 0; i < s.size();) {
            size_t len;
            py::code_point_at(s, i, &len);
            chars.push_back(Value::string(s.substr(i, len)));
            i += len;
        }
        return chars;
    }
    if (x.is_sequence()) {
        const Sequence& s = x.seq();
        if (s.kind != SeqKind::Iterator) return s.items;
        std::vector<Value> rest;
        while (std::optional<Value> v = next_item(s)) {
            rest.push_back(std::move(*v));
            check_list_size(rest.size());
        }
        return rest;
    }
    if (x.is_dict()) {
        std::vector<Value> keys;
        for (const auto& kv : x.dict().entries) keys.push_back(Value::string(kv.first));
        return keys;
    }
    if (x.is_object() && !x.object().is_namespace)
        fail_unsupported_here("iterating over a loop object");
    fail_runtime("'" + type_name(x) + "' object is not iterable");
}

bool hashable(const Value& x) {
    if (x.is_dict()) return false;
    if (!x.is_sequence()) return true;
    const Sequence& s = x.seq();
    if (s.kind == SeqKind::List) return false;
    if (s.kind == SeqKind::View) fail_unsupported_here("hashing a dict view");
    const NestingGuard guard;
    if (s.kind == SeqKind::Tuple)
        for (const Value& v : s.items)
            if (!hashable(v)) return false;
    return true;
}

int64_t length(const Value& x) {
    if (x.is_undefined()) return 0;
    if (x.is_string()) return static_cast<int64_t>(py::length(x.str()));
    if (x.is_sequence() && x.seq().kind != SeqKind::Iterator) return static_cast<int64_t>(x.seq().items.size());
    if (x.is_dict()) return static_cast<int64_t>(x.dict().entries.size());
    if (x.is_object() && !x.object().is_namespace) fail_unsupported_here("the length of a loop object");
    fail_runtime("object of type '" + type_name(x) + "' has no len()");
}

Value from_json(const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null: return Value::none();
        case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer: return Value::integer(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const auto u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                fail_unsupported_here("an integer above 2^63 - 1 in the template's variables");
            return Value::integer(static_cast<int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float: return Value::number(j.get<double>());
        case nlohmann::ordered_json::value_t::string: {
            std::string s = j.get<std::string>();
            if (!py::valid_utf8(s)) fail_runtime("a string in the template's variables is not valid UTF-8");
            return Value::string(std::move(s));
        }
        case nlohmann::ordered_json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& e : j) items.push_back(from_json(e));
            return Value::list(std::move(items));
        }
        case nlohmann::ordered_json::value_t::object: {
            Dict d;
            d.entries.reserve(j.size());
            for (const auto& [k, e] : j.items()) {
                if (!py::valid_utf8(k)) fail_runtime("a key in the template's variables is not valid UTF-8");
                d.entries.emplace_back(k, from_json(e));
            }
            return Value::dict(std::move(d));
        }
        default: fail_unsupported_here("binary data in the template's variables");
    }
}

std::vector<std::optional<Value>> bind_args(const std::string& function, Args& args,
                                            const std::vector<std::string>& names) {
    std::vector<std::optional<Value>> bound(names.size());
    if (args.positional.size() > names.size())
        fail_runtime(function + "() takes at most " + std::to_string(names.size()) + " arguments (" +
                     std::to_string(args.positional.size()) + " given)");
    for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = std::move(args.positional[i]);
    for (auto& [key, value] : args.keywords) {
        size_t i = 0;
        while (i < names.size() && names[i] != key) ++i;
        if (i == names.size()) fail_runtime(function + "() got an unexpected keyword argument '" + key + "'");
        if (bound[i]) fail_runtime(function + "() got multiple values for argument '" + key + "'");
        bound[i] = std::move(value);
    }
    return bound;
}

bool integer_of(const Value& x, int64_t* out) {
    if (x.is_bool()) { *out = std::get<bool>(x.v) ? 1 : 0; return true; }
    if (x.is_int()) { *out = std::get<int64_t>(x.v); return true; }
    return false;
}

double float_of(const Value& x) {
    int64_t i;
    if (integer_of(x, &i)) return static_cast<double>(i);
    return std::get<double>(x.v);
}

}  // namespace llms::chat::jinja

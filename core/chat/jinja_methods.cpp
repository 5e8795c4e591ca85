#include "core/chat/jinja_methods.h"

#include "core/chat/jinja_error.h"
#include "core/chat/python_text.h"

#include <algorithm>

namespace llms::chat::jinja {

namespace {

bool one_of(const std::string& name, std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

// Every attribute of Python 3's str / dict / list / tuple / range that is not a dunder.
const std::initializer_list<const char*> kStrAttributes = {
    "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format",
    "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
    "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans",
    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit",
    "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill"};
const std::initializer_list<const char*> kDictAttributes = {
    "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"};
const std::initializer_list<const char*> kListAttributes = {
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"};

[[noreturn]] void unsupported_method(const std::string& type, const std::string& name) {
    fail_unsupported_here("the method " + type + "." + name + "()");
}

std::string need_str(const std::optional<Value>& v, const std::string& fn) {
    if (!v || !v->is_string())
        fail_runtime(fn + "() argument must be str, not " + (v ? type_name(*v) : std::string("nothing")));
    return v->str();
}

void need_ascii(const std::string& s, const std::string& fn) {
    if (!py::is_ascii(s)) fail_unsupported_here(fn + "() of non-ASCII text (it needs Unicode case tables)");
}

void no_range_arguments(const std::vector<std::optional<Value>>& b, size_t from, const std::string& fn) {
    for (size_t i = from; i < b.size(); ++i)
        if (b[i] && !b[i]->is_none()) fail_unsupported_here(fn + "() with start / end positions");
}

// The optional `chars` of strip: None or a str.
const std::string* strip_chars(const std::optional<Value>& v, std::string* storage, const std::string& fn) {
    if (!v || v->is_none()) return nullptr;
    if (!v->is_string()) fail_runtime(fn + " arg must be None or str");
    *storage = v->str();
    return storage;
}

Value strings(const std::vector<std::string>& parts) {
    std::vector<Value> items;
    for (const auto& p : parts) items.push_back(Value::string(p));
    return Value::list(std::move(items));
}

bool ascii_predicate(const std::string& s, const std::string& which) {
    need_ascii(s, "str." + which);
    if (s.empty()) return false;
    const auto all = [&](auto pred) { return std::all_of(s.begin(), s.end(), pred); };
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (which == "isalpha") return all(alpha);
    if (which == "isdigit" || which == "isdecimal" || which == "isnumeric") return all(digit);
    if (which == "isalnum") return all([&](char c) { return alpha(c) || digit(c); });
    if (which == "isspace") return all([](char c) { return py::is_space(static_cast<unsigned char>(c)); });
    const bool has_lower = std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    const bool has_upper = std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (which == "islower") return has_lower && !has_upper;
    return has_upper && !has_lower;   // isupper
}

Value str_method(const std::string& s, const std::string& name) {
    const std::string fn = "str." + name;
    const auto bound = [&](std::function<Value(Args&)> f) { return Value::callable(fn, std::move(f)); };
    if (name == "strip" || name == "lstrip" || name == "rstrip")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"chars"});
            std::string storage;
            const std::string* chars = strip_chars(b[0], &storage, name);
            return Value::string(py::strip(s, chars, name != "rstrip", name != "lstrip"));
        });
    if (name == "split" || name == "rsplit")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"sep", "maxsplit"});
            std::string sep;
            const bool has_sep = b[0] && !b[0]->is_none();
            if (has_sep) {
                sep = need_str(b[0], fn);
                if (sep.empty()) fail_runtime("empty separator");
            }
            int64_t maxsplit = -1;
            if (b[1] && !integer_of(*b[1], &maxsplit)) fail_runtime(fn + "() maxsplit must be an integer");
            return strings(py::split(s, has_sep ? &sep : nullptr, maxsplit, name == "rsplit"));
        });
    if (name == "splitlines")
        return bound([s, fn](Args& a) {
            const auto b = bind_args(fn, a, {"keepends"});
            return strings(py::splitlines(s, b[0] && truthy(*b[0])));
        });
    if (name == "startswith" || name == "endswith")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"prefix", "start", "end"});
            no_range_arguments(b, 1, fn);
            std::vector<std::string> options;
            if (b[0] && b[0]->is_string()) options.push_back(b[0]->str());
            else if (b[0] && b[0]->is_sequence() && b[0]->seq().kind == SeqKind::Tuple)
                for (const Value& v : b[0]->seq().items) options.push_back(need_str(v, fn));
            else fail_runtime(name + " first arg must be str or a tuple of str");
            for (const auto& o : options) {
                const bool hit = name == "startswith"
                                     ? s.compare(0, o.size(), o) == 0 && s.size() >= o.size()
                                     : s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0;
                if (hit) return Value::boolean(true);
            }
            return Value::boolean(false);
        });
    if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
        return bound([s, name, fn](Args& a) {
            bind_args(fn, a, {});
            need_ascii(s, fn);
            if (name == "upper") return Value::string(py::ascii_upper(s));
            if (name == "lower") return Value::string(py::ascii_lower(s));
            if (name == "title") return Value::string(py::ascii_title(s));
            return Value::string(py::ascii_capitalize(s));
        });
    if (name == "replace")
        return bound([s, fn](Args& a) {
            const auto b = bind_args(fn, a, {"old", "new", "count"});
            int64_t count = -1;
            if (b[2] && !integer_of(*b[2], &count)) fail_runtime("replace() count must be an integer");
            const std::string old_text = need_str(b[0], fn), new_text = need_str(b[1], fn);
            check_text_size(py::replaced_size(s, old_text, new_text, count));
            return Value::string(py::replace(s, old_text, new_text, count));
        });
    if (name == "find" || name == "rfind" || name == "index" || name == "rindex")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"sub", "start", "end"});
            no_range_arguments(b, 1, fn);
            const int64_t at = py::find(s, need_str(b[0], fn), name[0] == 'r');
            if (at < 0 && (name == "index" || name == "rindex")) fail_runtime("substring not found");
            return Value::integer(at);
        });
    if (name == "count")
        return bound([s, fn](Args& a) {
            const auto b = bind_args(fn, a, {"sub", "start", "end"});
            no_range_arguments(b, 1, fn);
            return Value::integer(py::count(s, need_str(b[0], fn)));
        });
    if (name == "join")
        return bound([s, fn](Args& a) {
            const auto b = bind_args(fn, a, {"iterable"});
            if (!b[0]) fail_runtime("join() takes exactly one argument (0 given)");
            std::string out;
            size_t i = 0;
            for (const Value& v : iterate(*b[0])) {
                if (!v.is_string())
                    fail_runtime("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(v) +
                                 " found");
                if (i++) out += s;
                out += v.str();
                check_text_size(out.size());
            }
            return Value::string(std::move(out));
        });
    if (name == "removeprefix" || name == "removesuffix")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"affix"});
            const std::string x = need_str(b[0], fn);
            if (name == "removeprefix" && s.compare(0, x.size(), x) == 0 && s.size() >= x.size())
                return Value::string(s.substr(x.size()));
            if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
                s.compare(s.size() - x.size(), x.size(), x) == 0)
                return Value::string(s.substr(0, s.size() - x.size()));
            return Value::string(s);
        });
    if (name == "partition" || name == "rpartition")
        return bound([s, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"sep"});
            const std::string sep = need_str(b[0], fn);
            if (sep.empty()) fail_runtime("empty separator");
            const size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
            if (at == std::string::npos)
                return name == "partition"
                           ? Value::tuple({Value::string(s), Value::string(""), Value::string("")})
                           : Value::tuple({Value::string(""), Value::string(""), Value::string(s)});
            return Value::tuple({Value::string(s.substr(0, at)), Value::string(sep),
                                 Value::string(s.substr(at + sep.size()))});
        });
    if (one_of(name, {"isalpha", "isdigit", "isdecimal", "isnumeric", "isalnum", "isspace", "islower", "isupper"}))
        return bound([s, name, fn](Args& a) {
            bind_args(fn, a, {});
            return Value::boolean(ascii_predicate(s, name));
        });
    unsupported_method("str", name);
}

Value dict_method(const Value& d, const std::string& name) {
    const std::string fn = "dict." + name;
    if (name == "get")
        return Value::callable(fn, [d, fn](Args& a) {
            const auto b = bind_args(fn, a, {"key", "default"});
            if (!b[0]) fail_runtime("get expected at least 1 argument, got 0");
            if (b[0]->is_string())
                if (const Value* v = d.dict().find(b[0]->str())) return *v;
            if (!hashable(*b[0])) fail_runtime("unhashable type: '" + type_name(*b[0]) + "'");
            return b[1] ? *b[1] : Value::none();
        });
    if (name == "items" || name == "keys" || name == "values")
        return Value::callable(fn, [d, name, fn](Args& a) {
            bind_args(fn, a, {});
            auto s = std::make_shared<Sequence>();
            s->kind = SeqKind::View;
            for (const auto& [k, v] : d.dict().entries) {
                if (name == "items") s->items.push_back(Value::tuple({Value::string(k), v}));
                else if (name == "keys") s->items.push_back(Value::string(k));
                else s->items.push_back(v);
            }
            Value r;
            r.v = SequencePtr(std::move(s));
            return r;
        });
    unsupported_method("dict", name);
}

Value sequence_method(const Value& seq, const std::string& name) {
    const std::string fn = type_name(seq) + "." + name;
    if (name == "count" || name == "index")
        return Value::callable(fn, [seq, name, fn](Args& a) {
            const auto b = bind_args(fn, a, {"value", "start", "end"});
            no_range_arguments(b, 1, fn);
            if (!b[0]) fail_runtime(fn + "() takes at least 1 argument (0 given)");
            int64_t n = 0;
            const auto& items = seq.seq().items;
            for (size_t i = 0; i < items.size(); ++i) {
                if (!equals(items[i], *b[0])) continue;
                if (name == "index") return Value::integer(static_cast<int64_t>(i));
                ++n;
            }
            if (name == "index") fail_runtime(repr(*b[0]) + " is not in " + type_name(seq));
            return Value::integer(n);
        });
    unsupported_method(type_name(seq), name);
}

}  // namespace

std::optional<Value> method_of(const Value& obj, const std::string& name) {
    if (obj.is_string()) {
        if (!one_of(name, kStrAttributes)) return std::nullopt;
        return str_method(obj.str(), name);
    }
    if (obj.is_dict()) {
        if (!one_of(name, kDictAttributes)) return std::nullopt;
        return dict_method(obj, name);
    }
    if (obj.is_sequence()) {
        const SeqKind kind = obj.seq().kind;
        if (kind == SeqKind::List) {
            if (!one_of(name, kListAttributes)) return std::nullopt;
            return sequence_method(obj, name);
        }
        if (kind == SeqKind::Tuple) {
            if (!one_of(name, {"count", "index"})) return std::nullopt;
            return sequence_method(obj, name);
        }
        if (kind == SeqKind::Range) {
            if (one_of(name, {"start", "stop", "step"})) unsupported_method("range", name);
            if (!one_of(name, {"count", "index"})) return std::nullopt;
            return sequence_method(obj, name);
        }
        if (kind == SeqKind::View && one_of(name, {"isdisjoint", "mapping"})) unsupported_method("dict view", name);
        if (kind == SeqKind::Iterator && one_of(name, {"send", "throw", "close"}))
            unsupported_method("generator", name);
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace llms::chat::jinja

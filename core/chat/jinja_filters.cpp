#include "core/chat/jinja_filters.h"

#include "core/chat/jinja_builtins.h"
#include "core/chat/jinja_error.h"
#include "core/chat/jinja_is_tests.h"
#include "core/chat/jinja_methods.h"
#include "core/chat/jinja_operators.h"
#include "core/chat/python_json.h"
#include "core/chat/python_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace llms::chat::jinja {

namespace {

using Bound = std::vector<std::optional<Value>>;

Value arg_or(const Bound& b, size_t i, Value fallback) { return b[i] ? *b[i] : std::move(fallback); }

// jinja2.filters.ignore_case: lowercases strings (exact for ASCII).
Value ignore_case(const Value& v) {
    if (!v.is_string()) return v;
    if (!py::is_ascii(v.str())) fail_unsupported_here("case-insensitive sorting or comparison of non-ASCII text");
    return Value::string(py::ascii_lower(v.str()));
}

// jinja2.filters._prepare_attribute_parts + make_attrgetter: "a.b.0" looks up item["a"]["b"][0].
struct AttrGetter {
    std::vector<Value> parts;
    std::optional<Value> default_value;
    bool lower = false;

    Value operator()(Value item) const {
        for (const Value& p : parts) {
            item = get_item(item, p);
            if (default_value && item.is_undefined()) item = *default_value;
        }
        return lower ? ignore_case(item) : item;
    }
};

AttrGetter attr_getter(const std::optional<Value>& attribute, std::optional<Value> default_value = std::nullopt,
                       bool lower = false) {
    AttrGetter g;
    g.lower = lower;
    if (default_value && !default_value->is_none()) g.default_value = std::move(default_value);
    if (!attribute || attribute->is_none()) return g;
    if (!attribute->is_string()) {
        g.parts.push_back(*attribute);
        return g;
    }
    const std::string sep = ".";
    for (const std::string& part : py::split(attribute->str(), &sep, -1, false)) {
        if (!py::is_ascii(part)) fail_unsupported_here("an attribute path with non-ASCII text");
        const bool digits =
            !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits) {
            int64_t n = 0;
            std::from_chars(part.data(), part.data() + part.size(), n);
            g.parts.push_back(Value::integer(n));
        } else {
            g.parts.push_back(Value::string(part));
        }
    }
    return g;
}

// Python's int(s) for a str in base 10: surrounding whitespace, a sign, digits with single underscores.
std::optional<int64_t> parse_int(const std::string& text) {
    const std::string s = py::strip(text, nullptr, true, true);
    if (!py::is_ascii(s)) fail_unsupported_here("converting non-ASCII text to a number");
    size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i >= s.size()) return std::nullopt;
    uint64_t value = 0;
    bool previous_digit = false;
    for (; i < s.size(); ++i) {
        if (s[i] == '_' && previous_digit && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
            previous_digit = false;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(s[i] - '0');
        if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            fail_unsupported_here("an integer beyond 64 bits");
        previous_digit = true;
    }
    return negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
}

// Python's float(s) for a str: decimal or exponent notation (underscores between digits), inf, infinity, nan.
std::optional<double> parse_float(const std::string& text) {
    const std::string s = py::strip(text, nullptr, true, true);
    if (!py::is_ascii(s)) fail_unsupported_here("converting non-ASCII text to a number");
    std::string lower = py::ascii_lower(s), body = lower;
    std::string sign;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) { sign = body.substr(0, 1); body.erase(0, 1); }
    if (body == "inf" || body == "infinity") return sign == "-" ? -HUGE_VAL : HUGE_VAL;
    if (body == "nan") return std::nan("");
    std::string clean;
    bool digits = false;
    for (size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '_') {
            const bool between = i > 0 && i + 1 < body.size() &&
                                 std::isdigit(static_cast<unsigned char>(body[i - 1])) &&
                                 std::isdigit(static_cast<unsigned char>(body[i + 1]));
            if (!between) return std::nullopt;
            continue;
        }
        if ((c >= '0' && c <= '9')) digits = true;
        else if (c != '.' && c != 'e' && c != '+' && c != '-') return std::nullopt;
        clean.push_back(c);
    }
    if (!digits) return std::nullopt;
    double value = 0;
    const auto res = std::from_chars(clean.data(), clean.data() + clean.size(), value);
    if (res.ptr != clean.data() + clean.size()) return std::nullopt;
    if (res.ec == std::errc::result_out_of_range) fail_unsupported_here("a number beyond the range of a double");
    if (res.ec != std::errc()) return std::nullopt;
    return sign == "-" ? -value : value;
}

Value to_int(const Value& x, const Value& dflt) {
    if (x.is_undefined()) fail_undefined(x);
    int64_t i;
    if (integer_of(x, &i)) return Value::integer(i);
    std::optional<double> f;
    if (x.is_string()) {
        if (auto v = parse_int(x.str())) return Value::integer(*v);
        f = parse_float(x.str());
    } else if (x.is_float()) {
        f = std::get<double>(x.v);
    }
    if (!f || std::isnan(*f)) return dflt;
    if (std::isinf(*f)) fail_runtime("cannot convert float infinity to integer");
    if (*f >= 9223372036854775808.0 || *f < -9223372036854775808.0) fail_unsupported_here("an integer beyond 64 bits");
    return Value::integer(static_cast<int64_t>(std::trunc(*f)));
}

Value to_float(const Value& x, const Value& dflt) {
    if (x.is_undefined()) fail_undefined(x);
    if (x.is_number()) return Value::number(float_of(x));
    if (x.is_string())
        if (auto f = parse_float(x.str())) return Value::number(*f);
    return dflt;
}

Value reversed(const Value& x) {
    if (x.is_string()) {
        std::u32string cps = py::decode(x.str());
        std::reverse(cps.begin(), cps.end());
        return Value::string(py::encode(cps));
    }
    if (x.is_sequence() && x.seq().kind == SeqKind::Iterator) {   // reversed() fails: list(value) reversed
        std::vector<Value> items = iterate(x);
        std::reverse(items.begin(), items.end());
        return Value::list(std::move(items));
    }
    if (x.is_undefined() || x.is_sequence() || x.is_dict()) {
        std::vector<Value> items = iterate(x);
        std::reverse(items.begin(), items.end());
        return Value::iterator(std::move(items));
    }
    fail_runtime("argument must be iterable");
}

// The generators of map / select / reject / selectattr / rejectattr / unique / items. As in Jinja, where each
// is a Python generator function, nothing runs until the first item is pulled: argument errors and failures on
// an item surface only where the result is consumed.
struct LazyFilter {
    Value source;
    bool started = false, done = false;
    std::function<std::optional<Value>()> pull;
};

Value lazy(Value source, std::function<void(LazyFilter&)> start,
           std::function<std::optional<Value>(LazyFilter&, Value)> step) {
    auto state = std::make_shared<LazyFilter>();
    state->source = std::move(source);
    return Value::generator([state, start, step]() -> std::optional<Value> {
        if (!state->started) {
            state->started = true;
            if (!truthy(state->source)) state->done = true;   // `if value:` in Jinja's filter
            else {
                start(*state);
                state->pull = pull_from(state->source);
            }
        }
        while (!state->done) {
            std::optional<Value> item = state->pull();
            if (!item) break;
            if (std::optional<Value> out = step(*state, std::move(*item))) return out;
        }
        state->done = true;
        return std::nullopt;
    });
}

Value select_or_reject(const Value& x, const Args& args, bool select, bool by_attribute) {
    struct Plan {
        AttrGetter getter;
        std::optional<std::string> test;
        Args test_args;
    };
    auto plan = std::make_shared<Plan>();
    return lazy(
        x,
        [plan, args, by_attribute](LazyFilter&) {
            size_t off = 0;
            if (by_attribute) {
                if (args.positional.empty()) fail_runtime("missing parameter for attribute name");
                plan->getter = attr_getter(args.positional[0]);
                off = 1;
            }
            if (args.positional.size() > off) {
                if (!args.positional[off].is_string()) fail_runtime("a test name must be a string");
                plan->test = args.positional[off].str();
                plan->test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off + 1),
                                                  args.positional.end());
            }
            plan->test_args.keywords = args.keywords;
        },
        [plan, select, by_attribute](LazyFilter&, Value item) -> std::optional<Value> {
            const Value subject = by_attribute ? plan->getter(item) : item;
            bool pass;
            if (plan->test) {
                Args a = plan->test_args;
                pass = apply_test(*plan->test, subject, a);
            } else {
                pass = truthy(subject);
            }
            if (pass == select) return item;
            return std::nullopt;
        });
}

Value map_filter(const Value& x, const Args& args) {
    auto func = std::make_shared<std::function<Value(const Value&)>>();
    return lazy(
        x,
        [func, args](LazyFilter&) {
            if (args.positional.empty()) {
                std::optional<Value> attribute, dflt;
                for (const auto& [k, v] : args.keywords) {
                    if (k == "attribute") attribute = v;
                    else if (k == "default") dflt = v;
                    else fail_runtime("unexpected keyword argument '" + k + "'");
                }
                if (!attribute) fail_runtime("map requires a filter argument");
                const AttrGetter getter = attr_getter(attribute, dflt);
                *func = [getter](const Value& item) { return getter(item); };
                return;
            }
            if (!args.positional[0].is_string()) fail_runtime("map requires a filter name");
            const std::string filter = args.positional[0].str();
            Args rest{std::vector<Value>(args.positional.begin() + 1, args.positional.end()), args.keywords};
            *func = [filter, rest](const Value& item) {
                Args a = rest;
                return apply_filter(filter, item, a);
            };
        },
        [func](LazyFilter&, Value item) -> std::optional<Value> { return (*func)(item); });
}

bool less_than(const Value& a, const Value& b) { return compare("<", a, b); }

Value min_max(const Value& x, Args& args, bool want_max) {
    Bound b = bind_args(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
    const AttrGetter key = attr_getter(b[1], std::nullopt, !(b[0] && truthy(*b[0])));
    std::optional<Value> best, best_key;
    for (const Value& item : iterate(x)) {
        Value k = key(item);
        if (!best || (want_max ? less_than(*best_key, k) : less_than(k, *best_key))) {
            best = item;
            best_key = std::move(k);
        }
    }
    if (!best) return Value::undefined("No aggregated item, sequence was empty.");
    return *best;
}

Value tojson(const Value& x, Args& args) {
    Bound b = bind_args("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
    JsonDumpOptions o;
    o.ensure_ascii = b[0] && truthy(*b[0]);
    if (b[1] && !b[1]->is_none()) {
        int64_t n;
        if (b[1]->is_string()) o.indent = b[1]->str();
        else if (integer_of(*b[1], &n))
            o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(n, 0, 1000)), ' ');
        else fail_runtime("tojson indent must be an integer or a string");
    }
    if (b[2] && !b[2]->is_none()) {
        const std::vector<Value> parts = iterate(*b[2]);
        if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string())
            fail_runtime("tojson separators must be a pair of strings");
        o.separators = std::make_pair(parts[0].str(), parts[1].str());
    }
    o.sort_keys = b[3] && truthy(*b[3]);
    return Value::string(json_dumps(x, o));
}

Value round_filter(const Value& x, Args& args) {
    Bound b = bind_args("round", args, {"precision", "method"});
    int64_t precision = 0;
    if (b[0] && !integer_of(*b[0], &precision)) fail_runtime("round precision must be an integer");
    const std::string method = b[1] ? to_str(*b[1]) : "common";
    if (method != "common" && method != "ceil" && method != "floor")
        fail_runtime("method must be common, ceil or floor");
    if (!x.is_number()) fail_runtime("type " + type_name(x) + " doesn't define __round__ method");
    if (precision < 0 || precision > 22) fail_unsupported_here("round() with a precision outside 0..22");
    int64_t i;
    if (method == "common") {
        if (integer_of(x, &i)) return Value::integer(i);
        return Value::number(py::round_float(std::get<double>(x.v), precision));
    }
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double v = float_of(x) * scale;
    return Value::number((method == "ceil" ? std::ceil(v) : std::floor(v)) / scale);
}

Value sort_filter(const Value& x, Args& args) {
    Bound b = bind_args("sort", args, {"reverse", "case_sensitive", "attribute"});
    const bool reverse = b[0] && truthy(*b[0]);
    const bool lower = !(b[1] && truthy(*b[1]));
    std::vector<AttrGetter> getters;
    if (b[2] && b[2]->is_string()) {
        const std::string comma = ",";
        for (const std::string& part : py::split(b[2]->str(), &comma, -1, false))
            getters.push_back(attr_getter(Value::string(part), std::nullopt, lower));
    } else {
        getters.push_back(attr_getter(b[2], std::nullopt, lower));
    }
    std::vector<std::pair<Value, Value>> keyed;
    for (const Value& item : iterate(x)) {
        std::vector<Value> key;
        for (const auto& g : getters) key.push_back(g(item));
        keyed.emplace_back(Value::list(std::move(key)), item);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& p, const auto& q) {
        return reverse ? less_than(q.first, p.first) : less_than(p.first, q.first);
    });
    std::vector<Value> out;
    for (auto& kv : keyed) out.push_back(std::move(kv.second));
    return Value::list(std::move(out));
}

// jinja2.filters.do_title (not str.title): the text split at runs of - ( { [ < and whitespace, each piece with its
// first character upper-cased and the rest lower-cased. ASCII text only (the caller checks).
std::string jinja_title(const std::string& s) {
    const auto separator = [](char c) {
        return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py::is_space(static_cast<unsigned char>(c));
    };
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = i;
        const bool sep = separator(s[i]);
        while (j < s.size() && separator(s[j]) == sep) ++j;
        const std::string piece = s.substr(i, j - i);
        out += py::ascii_upper(piece.substr(0, 1)) + py::ascii_lower(piece.substr(1));
        i = j;
    }
    return out;
}

void check_hashable(const Value& v) {
    if (!hashable(v)) fail_runtime("unhashable type: '" + type_name(v) + "'");
}

}  // namespace

Value apply_filter(const std::string& name, const Value& x, Args& args) {
    if (!is_supported_filter(name)) {
        if (is_jinja_filter(name)) fail_unsupported_here("the filter '" + name + "'");
        fail_runtime("no filter named '" + name + "'");
    }
    const auto no_args = [&] { bind_args(name, args, {}); };
    if (name == "abs") {
        no_args();
        int64_t i;
        if (integer_of(x, &i)) {
            if (i == std::numeric_limits<int64_t>::min()) fail_unsupported_here("an integer beyond 64 bits");
            return Value::integer(i < 0 ? -i : i);
        }
        if (x.is_float()) return Value::number(std::fabs(std::get<double>(x.v)));
        fail_runtime("bad operand type for abs(): '" + type_name(x) + "'");
    }
    if (name == "attr") {
        Bound b = bind_args(name, args, {"name"});
        if (!b[0]) fail_runtime("attr() missing 1 required positional argument: 'name'");
        const std::string attribute = to_str(*b[0]);
        if (!attribute.empty() && attribute[0] == '_')
            fail_unsupported_here("the private attribute '" + attribute + "'");
        if (x.is_object()) {
            if (const Value* v = x.object().attrs.find(attribute)) return *v;
        } else if (x.is_string() || x.is_dict() || x.is_sequence()) {
            if (auto m = method_of(x, attribute)) return *m;
        } else if (x.is_undefined()) {
            fail_undefined(x);
        }
        return Value::undefined("'" + type_name(x) + " object' has no attribute '" + attribute + "'");
    }
    if (name == "capitalize" || name == "lower" || name == "upper" || name == "title") {
        no_args();
        const std::string s = to_str(x);
        if (!py::is_ascii(s))
            fail_unsupported_here("the filter '" + name + "' on non-ASCII text (it needs Unicode case tables)");
        if (name == "capitalize") return Value::string(py::ascii_capitalize(s));
        if (name == "lower") return Value::string(py::ascii_lower(s));
        if (name == "upper") return Value::string(py::ascii_upper(s));
        return Value::string(jinja_title(s));
    }
    if (name == "count" || name == "length") {
        no_args();
        return Value::integer(length(x));
    }
    if (name == "d" || name == "default") {
        Bound b = bind_args(name, args, {"default_value", "boolean"});
        const bool boolean = b[1] && truthy(*b[1]);
        if (x.is_undefined() || (boolean && !truthy(x))) return arg_or(b, 0, Value::string(""));
        return x;
    }
    if (name == "dictsort") {
        Bound b = bind_args(name, args, {"case_sensitive", "by", "reverse"});
        const std::string by = b[1] ? to_str(*b[1]) : "key";
        if (by != "key" && by != "value") fail_runtime("You can only sort by either \"key\" or \"value\"");
        if (!x.is_dict()) fail_runtime("'" + type_name(x) + "' object has no attribute 'items'");
        const bool lower = !(b[0] && truthy(*b[0]));
        const bool reverse = b[2] && truthy(*b[2]);
        std::vector<std::pair<Value, Value>> keyed;
        for (const auto& [k, v] : x.dict().entries) {
            Value key = by == "key" ? Value::string(k) : v;
            keyed.emplace_back(lower ? ignore_case(key) : key, Value::tuple({Value::string(k), v}));
        }
        std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& p, const auto& q) {
            return reverse ? less_than(q.first, p.first) : less_than(p.first, q.first);
        });
        std::vector<Value> out;
        for (auto& kv : keyed) out.push_back(std::move(kv.second));
        return Value::list(std::move(out));
    }
    if (name == "first") {
        no_args();
        if (x.is_sequence() && x.seq().kind == SeqKind::Iterator) {
            if (std::optional<Value> v = next_item(x.seq())) return *v;
        } else {
            const std::vector<Value> items = iterate(x);
            if (!items.empty()) return items.front();
        }
        return Value::undefined("No first item, sequence was empty.");
    }
    if (name == "last") {
        no_args();
        if (x.is_sequence() && x.seq().kind == SeqKind::Iterator) fail_runtime("'generator' object is not reversible");
        const std::vector<Value> items = iterate(x);
        if (!items.empty()) return items.back();
        return Value::undefined("No last item, sequence was empty.");
    }
    if (name == "float") {
        Bound b = bind_args(name, args, {"default"});
        return to_float(x, arg_or(b, 0, Value::number(0.0)));
    }
    if (name == "int") {
        Bound b = bind_args(name, args, {"default", "base"});
        int64_t base = 10;
        if (b[1] && (!integer_of(*b[1], &base) || base != 10) && x.is_string())
            fail_unsupported_here("the filter 'int' with a base other than 10");
        return to_int(x, arg_or(b, 0, Value::integer(0)));
    }
    if (name == "items") {
        no_args();
        auto started = std::make_shared<bool>(false);
        auto pairs = std::make_shared<std::vector<Value>>();
        auto at = std::make_shared<size_t>(0);
        return Value::generator([x, started, pairs, at]() -> std::optional<Value> {
            if (!*started) {
                *started = true;
                if (!x.is_undefined()) {
                    if (!x.is_dict()) fail_runtime("Can only get item pairs from a mapping.");
                    for (const auto& [k, v] : x.dict().entries) pairs->push_back(Value::tuple({Value::string(k), v}));
                }
            }
            if (*at >= pairs->size()) return std::nullopt;
            return (*pairs)[(*at)++];
        });
    }
    if (name == "join") {
        Bound b = bind_args(name, args, {"d", "attribute"});
        const std::string sep = b[0] ? to_str(*b[0]) : "";
        const bool by_attribute = b[1] && !b[1]->is_none();
        const AttrGetter getter = attr_getter(b[1]);
        std::string out;
        bool first = true;
        for (const Value& item : iterate(x)) {
            if (!first) out += sep;
            first = false;
            out += to_str(by_attribute ? getter(item) : item);
            check_text_size(out.size());
        }
        return Value::string(std::move(out));
    }
    if (name == "list") {
        no_args();
        return Value::list(iterate(x));
    }
    if (name == "map") return map_filter(x, args);
    if (name == "max" || name == "min") return min_max(x, args, name == "max");
    if (name == "select" || name == "reject") return select_or_reject(x, args, name == "select", false);
    if (name == "selectattr" || name == "rejectattr") return select_or_reject(x, args, name == "selectattr", true);
    if (name == "replace") {
        Bound b = bind_args(name, args, {"old", "new", "count"});
        if (!b[0] || !b[1]) fail_runtime("replace() missing required arguments 'old' and 'new'");
        int64_t count = -1;
        if (b[2] && !b[2]->is_none() && !integer_of(*b[2], &count)) fail_runtime("replace() count must be an integer");
        const std::string text = to_str(x), old_text = to_str(*b[0]), new_text = to_str(*b[1]);
        check_text_size(py::replaced_size(text, old_text, new_text, count));
        return Value::string(py::replace(text, old_text, new_text, count));
    }
    if (name == "reverse") {
        no_args();
        return reversed(x);
    }
    if (name == "round") return round_filter(x, args);
    if (name == "sort") return sort_filter(x, args);
    if (name == "string") {
        no_args();
        return Value::string(to_str(x));
    }
    if (name == "sum") {
        Bound b = bind_args(name, args, {"attribute", "start"});
        Value total = arg_or(b, 1, Value::integer(0));
        if (total.is_string()) fail_runtime("sum() can't sum strings [use ''.join(seq) instead]");
        const bool by_attribute = b[0] && !b[0]->is_none();
        const AttrGetter getter = attr_getter(b[0]);
        for (const Value& item : iterate(x)) total = binary_op("+", total, by_attribute ? getter(item) : item);
        return total;
    }
    if (name == "tojson") return tojson(x, args);
    if (name == "trim") {
        Bound b = bind_args(name, args, {"chars"});
        if (b[0] && !b[0]->is_none() && !b[0]->is_string()) fail_runtime("strip arg must be None or str");
        const std::string* chars = b[0] && b[0]->is_string() ? &b[0]->str() : nullptr;
        return Value::string(py::strip(to_str(x), chars, true, true));
    }
    if (name == "unique") {
        Bound b = bind_args(name, args, {"case_sensitive", "attribute"});
        const AttrGetter key = attr_getter(b[1], std::nullopt, !(b[0] && truthy(*b[0])));
        auto seen = std::make_shared<std::vector<Value>>();
        auto pull = std::make_shared<std::function<std::optional<Value>()>>();
        return Value::generator([x, key, seen, pull]() -> std::optional<Value> {
            if (!*pull) *pull = pull_from(x);   // do_unique has no `if value:`: it iterates whatever it gets
            while (std::optional<Value> item = (*pull)()) {
                Value k = key(*item);
                check_hashable(k);
                if (std::any_of(seen->begin(), seen->end(), [&](const Value& s) { return equals(s, k); })) continue;
                seen->push_back(std::move(k));
                return item;
            }
            return std::nullopt;
        });
    }
    if (name == "wordcount") {
        no_args();
        const std::string s = to_str(x);
        if (!py::is_ascii(s)) fail_unsupported_here("the filter 'wordcount' on non-ASCII text");
        int64_t words = 0;
        bool in_word = false;
        for (char c : s) {
            const bool w = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            if (w && !in_word) ++words;
            in_word = w;
        }
        return Value::integer(words);
    }
    fail_unsupported_here("the filter '" + name + "'");
}

}  // namespace llms::chat::jinja

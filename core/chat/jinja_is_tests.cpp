#include "core/chat/jinja_is_tests.h"

#include "core/chat/jinja_builtins.h"
#include "core/chat/jinja_error.h"
#include "core/chat/jinja_operators.h"
#include "core/chat/python_text.h"

namespace llms::chat::jinja {

namespace {

// str(value).islower() / isupper(), exact for ASCII text.
bool ascii_case_test(const Value& x, bool lower) {
    const std::string s = to_str(x);
    if (!py::is_ascii(s)) fail_unsupported_here(std::string("the test '") + (lower ? "lower" : "upper") +
                                                "' on non-ASCII text (it needs Unicode case tables)");
    bool cased = false;
    for (char c : s) {
        const bool l = c >= 'a' && c <= 'z', u = c >= 'A' && c <= 'Z';
        if ((lower && u) || (!lower && l)) return false;
        cased = cased || l || u;
    }
    return cased;
}

}  // namespace

bool apply_test(const std::string& name, const Value& x, Args& args) {
    if (!is_supported_test(name)) {
        if (is_jinja_test(name)) fail_unsupported_here("the test '" + name + "'");
        fail_runtime("no test named '" + name + "'");
    }
    const auto one = [&](const char* param) -> Value {
        auto b = bind_args(name, args, {param});
        if (!b[0]) fail_runtime(name + "() missing 1 required positional argument: '" + param + "'");
        return *b[0];
    };
    const auto none = [&] { bind_args(name, args, {}); };
    if (name == "defined") { none(); return !x.is_undefined(); }
    if (name == "undefined") { none(); return x.is_undefined(); }
    if (name == "none") { none(); return x.is_none(); }
    if (name == "boolean") { none(); return x.is_bool(); }
    if (name == "true") { none(); return x.is_bool() && std::get<bool>(x.v); }
    if (name == "false") { none(); return x.is_bool() && !std::get<bool>(x.v); }
    if (name == "integer") { none(); return x.is_int(); }
    if (name == "float") { none(); return x.is_float(); }
    if (name == "number") { none(); return x.is_number(); }
    if (name == "string") { none(); return x.is_string(); }
    if (name == "mapping") { none(); return x.is_dict(); }
    if (name == "escaped") { none(); return false; }   // no value here has __html__
    if (name == "callable") {
        none();
        // Undefined and the loop object define __call__ in Jinja; a namespace does not.
        return x.is_callable() || x.is_undefined() || (x.is_object() && !x.object().is_namespace);
    }
    if (name == "iterable") {
        none();
        return x.is_undefined() || x.is_string() || x.is_sequence() || x.is_dict() ||
               (x.is_object() && !x.object().is_namespace);
    }
    if (name == "sequence") {
        none();   // len(x) works and x has __getitem__
        if (x.is_undefined() || x.is_string() || x.is_dict()) return true;
        return x.is_sequence() && x.seq().kind != SeqKind::View && x.seq().kind != SeqKind::Iterator;
    }
    if (name == "lower" || name == "upper") { none(); return ascii_case_test(x, name == "lower"); }
    if (name == "odd" || name == "even") {
        none();
        return equals(binary_op("%", x, Value::integer(2)), Value::integer(name == "odd" ? 1 : 0));
    }
    if (name == "divisibleby") return equals(binary_op("%", x, one("num")), Value::integer(0));
    if (name == "in") return contains(one("seq"), x);
    if (name == "sameas") {
        const Value other = one("other");
        if ((x.is_none() || x.is_bool()) && (other.is_none() || other.is_bool() || other.is_number()))
            return equals(x, other) && x.v.index() == other.v.index();
        fail_unsupported_here("the test 'sameas' on values other than none, true and false");
    }
    static const std::pair<const char*, const char*> comparisons[] = {
        {"==", "=="}, {"eq", "=="}, {"equalto", "=="}, {"!=", "!="}, {"ne", "!="}, {">", ">"}, {"gt", ">"},
        {"greaterthan", ">"}, {">=", ">="}, {"ge", ">="}, {"<", "<"}, {"lt", "<"}, {"lessthan", "<"},
        {"<=", "<="}, {"le", "<="}};
    for (const auto& [test, op] : comparisons)
        if (name == test) return compare(op, x, one("other"));
    fail_unsupported_here("the test '" + name + "'");
}

}  // namespace llms::chat::jinja

#include "core/chat/jinja_render.h"

#include "core/chat/jinja_error.h"
#include "core/chat/jinja_filters.h"
#include "core/chat/jinja_is_tests.h"
#include "core/chat/jinja_operators.h"

#include <memory>

namespace llms::chat::jinja {

namespace {

constexpr int64_t kMaxIterations = 1000000;
constexpr int kMaxCallDepth = 50;
constexpr int64_t kMaxRange = 100000;   // jinja2.sandbox.MAX_RANGE

struct Scope {
    std::shared_ptr<Scope> parent;
    std::vector<std::pair<std::string, Value>> vars;

    const Value* find(const std::string& name) const {
        for (const auto& [n, v] : vars)
            if (n == name) return &v;
        return nullptr;
    }
    void set(const std::string& name, Value value) {
        for (auto& [n, v] : vars)
            if (n == name) { v = std::move(value); return; }
        vars.emplace_back(name, std::move(value));
    }
};
using ScopePtr = std::shared_ptr<Scope>;

ScopePtr child_of(const ScopePtr& parent) {
    auto s = std::make_shared<Scope>();
    s->parent = parent;
    return s;
}

enum class Flow { Normal, Break, Continue };

// nodes.Impossible: the expression has no compile-time value.
struct Impossible {};

// dict(**kwargs) / namespace(**kwargs), also from one mapping or sequence of pairs given positionally.
Dict mapping_of(const std::string& fn, Args& args) {
    Dict d;
    if (args.positional.size() > 1) fail_runtime(fn + "() expected at most 1 positional argument");
    if (!args.positional.empty()) {
        const Value& src = args.positional[0];
        if (src.is_undefined()) fail_undefined(src);   // dict() asks it for .keys first
        if (src.is_dict()) {
            d = src.dict();
        } else {
            for (const Value& pair : iterate(src)) {
                const std::vector<Value> kv = iterate(pair);
                if (kv.size() != 2) fail_runtime(fn + "() sequence elements must have length 2");
                if (!kv[0].is_string()) fail_unsupported_here(fn + "() with keys that are not strings");
                d.set(kv[0].str(), kv[1]);
            }
        }
    }
    for (auto& [k, v] : args.keywords) d.set(k, v);
    return d;
}

Value range_of(Args& args) {
    std::vector<int64_t> n;
    for (const Value& v : args.positional) {
        int64_t i;
        if (!integer_of(v, &i)) fail_runtime("'" + type_name(v) + "' object cannot be interpreted as an integer");
        n.push_back(i);
    }
    if (!args.keywords.empty()) fail_runtime("range() takes no keyword arguments");
    if (n.empty() || n.size() > 3) fail_runtime("range expected 1 to 3 arguments");
    const int64_t start = n.size() > 1 ? n[0] : 0, stop = n.size() > 1 ? n[1] : n[0], step = n.size() > 2 ? n[2] : 1;
    if (step == 0) fail_runtime("range() arg 3 must not be zero");
    const long double count_ld =
        step > 0 ? (stop > start ? (static_cast<long double>(stop) - start + step - 1) / step : 0)
                 : (start > stop ? (static_cast<long double>(start) - stop - step - 1) / -step : 0);
    if (count_ld > kMaxRange)
        fail_runtime("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    auto s = std::make_shared<Sequence>();
    s->kind = SeqKind::Range;
    for (int64_t v = start; step > 0 ? v < stop : v > stop; v += step) s->items.push_back(Value::integer(v));
    Value r;
    r.v = SequencePtr(std::move(s));
    return r;
}

class Interpreter {
public:
    // const_mode: evaluate as Jinja's as_const does (see constant_value).
    explicit Interpreter(const RenderInput& input, bool const_mode = false) : in_(input), const_mode_(const_mode) {
        const auto builtin = [&](const std::string& name, std::function<Value(Args&)> f) {
            globals_.set(name, Value::callable(name, std::move(f)));
        };
        builtin("range", range_of);
        builtin("dict", [](Args& a) { return Value::dict(mapping_of("dict", a)); });
        builtin("namespace", [](Args& a) {
            auto o = std::make_shared<Object>();
            o->type_name = "Namespace";
            o->is_namespace = true;
            o->attrs = mapping_of("namespace", a);
            Value v;
            v.v = ObjectPtr(std::move(o));
            return v;
        });
        builtin("raise_exception", [](Args& a) -> Value {
            auto b = bind_args("raise_exception", a, {"message"});
            if (!b[0]) fail_runtime("raise_exception() missing 1 required positional argument: 'message'");
            throw TemplateFailure(FailureKind::Raised, 0, to_str(*b[0]));
        });
        builtin("strftime_now", [this](Args& a) {
            auto b = bind_args("strftime_now", a, {"format"});
            if (!b[0] || !b[0]->is_string()) fail_runtime("strftime_now() argument must be str");
            if (!in_.strftime_now) fail_unsupported_here("strftime_now() without a clock");
            return Value::string(in_.strftime_now(b[0]->str()));
        });
        for (const char* name : {"lipsum", "cycler", "joiner"}) {
            const std::string n = name;
            builtin(n, [n](Args&) -> Value { fail_unsupported_here("the Jinja global " + n + "()"); });
        }
        for (const auto& [name, value] : in_.variables) globals_.set(name, value);
    }

    std::string run(const Template& tpl) {
        std::string out;
        exec(tpl.body, std::make_shared<Scope>(), out);
        return out;
    }

    Value constant(const Expr& e) { return eval(e, std::make_shared<Scope>()); }

private:
    const RenderInput& in_;
    const bool const_mode_;
    Dict globals_;
    int64_t iterations_ = 0;
    int call_depth_ = 0;

    Value lookup(const std::string& name, const Scope* scope) const {
        for (const Scope* s = scope; s; s = s->parent.get())
            if (const Value* v = s->find(name)) return *v;
        if (const Value* v = globals_.find(name)) return *v;
        return Value::undefined("'" + name + "' is undefined");
    }

    static void append(std::string& out, const std::string& text) {
        check_text_size(out.size() + text.size());
        out += text;
    }

    // ---- statements ----

    Flow exec(const Body& body, const ScopePtr& scope, std::string& out) {
        for (const StmtPtr& s : body) {
            try {
                const Flow f = exec_stmt(*s, scope, out);
                if (f != Flow::Normal) return f;
            } catch (TemplateFailure& e) {
                if (e.line == 0) e.line = s->line;
                throw;
            }
        }
        return Flow::Normal;
    }

    Flow exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out) {
        switch (s.kind) {
            case StmtKind::Output:
                for (const OutputPart& p : s.parts) append(out, p.expr ? to_str(eval(*p.expr, scope)) : p.text);
                return Flow::Normal;
            case StmtKind::If:
                for (size_t i = 0; i < s.tests.size(); ++i)
                    if (truthy(eval(*s.tests[i], scope))) return exec(s.bodies[i], scope, out);
                return exec(s.else_body, scope, out);
            case StmtKind::For: return exec_for(s, scope, out);
            case StmtKind::Set: assign(s.target, eval(*s.expr, scope), *scope); return Flow::Normal;
            case StmtKind::SetBlock: {
                std::string text;
                exec(s.body, child_of(scope), text);
                Value v = Value::string(std::move(text));
                if (s.expr) v = filter_chain(*s.expr, std::move(v), scope);
                assign(s.target, std::move(v), *scope);
                return Flow::Normal;
            }
            case StmtKind::Macro: scope->set(s.name, make_macro(s, scope)); return Flow::Normal;
            case StmtKind::Break: return Flow::Break;
            case StmtKind::Continue: return Flow::Continue;
            case StmtKind::Generation: exec(s.body, child_of(scope), out); return Flow::Normal;
        }
        return Flow::Normal;
    }

    void bind(const Target& t, const Value& value, Scope& scope) {
        if (t.kind == Target::Kind::Name) {
            scope.set(t.names[0], value);
            return;
        }
        const std::vector<Value> parts = iterate(value);
        if (parts.size() < t.names.size())
            fail_runtime("not enough values to unpack (expected " + std::to_string(t.names.size()) + ", got " +
                         std::to_string(parts.size()) + ")");
        if (parts.size() > t.names.size())
            fail_runtime("too many values to unpack (expected " + std::to_string(t.names.size()) + ")");
        for (size_t i = 0; i < parts.size(); ++i) scope.set(t.names[i], parts[i]);
    }

    void assign(const Target& t, Value value, Scope& scope) {
        if (t.kind != Target::Kind::NamespaceAttr) {
            bind(t, value, scope);
            return;
        }
        const Value ns = lookup(t.names[0], &scope);
        if (!ns.is_object() || !ns.object().is_namespace)
            fail_runtime("cannot assign attribute on non-namespace object");
        ns.object().attrs.set(t.attr, std::move(value));
    }

    // The items a for loop walks. Jinja pulls them (and tests its `if` filter) one at a time; here they are all
    // taken first, so a failure among them is one Jinja meets too, unless a {% break %} may stop it before.
    std::vector<Value> loop_items(const Stmt& s, const ScopePtr& scope) {
        const Value iterable = eval(*s.expr, scope);
        try {
            std::vector<Value> items = iterate(iterable);
            if (!s.filter) return items;
            std::vector<Value> kept;
            for (Value& item : items) {
                auto test_scope = child_of(scope);
                bind(s.target, item, *test_scope);
                if (truthy(eval(*s.filter, test_scope))) kept.push_back(std::move(item));
            }
            return kept;
        } catch (TemplateFailure& f) {
            if (f.kind == FailureKind::Runtime && s.breaks)
                throw TemplateFailure(FailureKind::Unsupported, f.line,
                                      "an error among the items of a for loop that has a {% break %} (" + f.message +
                                          "; Jinja, which takes them one at a time, may stop before it)");
            throw;
        }
    }

    Flow exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
        std::vector<Value> items = loop_items(s, scope);
        auto changed_state = std::make_shared<std::optional<std::vector<Value>>>();
        for (size_t i = 0; i < items.size(); ++i) {
            if (++iterations_ > kMaxIterations) fail_unsupported(s.line, "more than a million loop iterations");
            auto body_scope = child_of(scope);
            bind(s.target, items[i], *body_scope);
            body_scope->set("loop", loop_object(items, i, changed_state));
            const Flow f = exec(s.body, body_scope, out);
            if (f == Flow::Break) break;
        }
        if (items.empty()) return exec(s.else_body, child_of(scope), out);
        return Flow::Normal;
    }

    // jinja2.runtime.LoopContext for iteration i.
    static Value loop_object(const std::vector<Value>& items, size_t i,
                             const std::shared_ptr<std::optional<std::vector<Value>>>& changed_state) {
        const auto n = static_cast<int64_t>(items.size());
        const auto k = static_cast<int64_t>(i);
        auto o = std::make_shared<Object>();
        o->type_name = "LoopContext";
        Dict& a = o->attrs;
        a.set("index0", Value::integer(k));
        a.set("index", Value::integer(k + 1));
        a.set("revindex", Value::integer(n - k));
        a.set("revindex0", Value::integer(n - k - 1));
        a.set("first", Value::boolean(k == 0));
        a.set("last", Value::boolean(k == n - 1));
        a.set("length", Value::integer(n));
        a.set("depth", Value::integer(1));
        a.set("depth0", Value::integer(0));
        a.set("previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
        a.set("nextitem", i + 1 < items.size() ? items[i + 1] : Value::undefined("there is no next item"));
        a.set("cycle", Value::callable("loop.cycle", [k](Args& args) {
                  if (!args.keywords.empty()) fail_runtime("loop.cycle() takes no keyword arguments");
                  if (args.positional.empty()) fail_runtime("no items for cycling given");
                  return args.positional[static_cast<size_t>(k) % args.positional.size()];
              }));
        a.set("changed", Value::callable("loop.changed", [changed_state](Args& args) {
                  if (!args.keywords.empty()) fail_runtime("loop.changed() takes no keyword arguments");
                  const std::vector<Value>& now = args.positional;
                  bool same = changed_state->has_value() && (*changed_state)->size() == now.size();
                  for (size_t j = 0; same && j < now.size(); ++j) same = equals((**changed_state)[j], now[j]);
                  if (same) return Value::boolean(false);
                  *changed_state = now;
                  return Value::boolean(true);
              }));
        Value v;
        v.v = ObjectPtr(std::move(o));
        return v;
    }

    Value make_macro(const Stmt& s, const ScopePtr& scope) {
        std::weak_ptr<Scope> defining = scope;
        const Stmt* macro = &s;
        return Value::callable("macro " + s.name, [this, macro, defining](Args& args) -> Value {
            ScopePtr parent = defining.lock();
            if (!parent)
                fail_unsupported_here("calling the macro " + macro->name + " outside the block that defined it");
            if (++call_depth_ > kMaxCallDepth) fail_unsupported_here("macros calling each other more than 50 deep");
            const auto& params = macro->params;
            if (args.positional.size() > params.size())
                fail_unsupported_here("more arguments than the macro " + macro->name + " declares (varargs)");
            auto sc = child_of(parent);
            std::vector<bool> given(params.size(), false);
            for (size_t i = 0; i < args.positional.size(); ++i) {
                sc->set(params[i].name, args.positional[i]);
                given[i] = true;
            }
            for (auto& [key, value] : args.keywords) {
                size_t i = 0;
                while (i < params.size() && params[i].name != key) ++i;
                if (i == params.size())
                    fail_unsupported_here("the keyword argument '" + key + "' that the macro " + macro->name +
                                          " does not declare (kwargs)");
                if (given[i])
                    fail_runtime("macro '" + macro->name + "' got multiple values for argument '" + key + "'");
                sc->set(key, value);
                given[i] = true;
            }
            for (size_t i = 0; i < params.size(); ++i) {
                if (given[i]) continue;
                sc->set(params[i].name, params[i].default_value
                                            ? eval(*params[i].default_value, sc)
                                            : Value::undefined("parameter '" + params[i].name + "' was not provided"));
            }
            std::string out;
            exec(macro->body, sc, out);
            --call_depth_;
            return Value::string(std::move(out));
        });
    }

    // ---- expressions ----

    Args eval_args(const Expr& e, size_t first, const ScopePtr& scope) {
        Args a;
        for (size_t i = first; i < e.items.size(); ++i) a.positional.push_back(eval(*e.items[i], scope));
        for (const auto& [k, v] : e.kwargs) a.keywords.emplace_back(k, eval(*v, scope));
        return a;
    }

    Value filter_chain(const Expr& f, Value subject, const ScopePtr& scope) {
        if (f.items[0]) subject = filter_chain(*f.items[0], std::move(subject), scope);
        Args a = eval_args(f, 1, scope);
        return apply_filter(f.name, subject, a);
    }

    Value eval(const Expr& e, const ScopePtr& scope) {
        try {
            return eval_inner(e, scope);
        } catch (TemplateFailure& f) {
            if (f.line == 0) f.line = e.line;
            throw;
        }
    }

    Value eval_inner(const Expr& e, const ScopePtr& scope) {
        switch (e.kind) {
            case ExprKind::Const: return e.value;
            case ExprKind::Refused: fail_unsupported_here(e.name);
            case ExprKind::Name:
                if (const_mode_) throw Impossible();
                return lookup(e.name, scope.get());
            case ExprKind::List:
            case ExprKind::Tuple: {
                std::vector<Value> items;
                for (const auto& i : e.items) items.push_back(eval(*i, scope));
                return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
            }
            case ExprKind::Dict: {
                Dict d;
                for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
                    const Value key = eval(*e.items[i], scope);
                    if (!key.is_string()) fail_unsupported_here("a dict literal with keys that are not strings");
                    d.set(key.str(), eval(*e.items[i + 1], scope));
                }
                return Value::dict(std::move(d));
            }
            case ExprKind::Getattr: return get_attr(eval(*e.items[0], scope), e.name);
            case ExprKind::Getitem: {
                const Value obj = eval(*e.items[0], scope);
                const Expr& key = *e.items[1];
                if (key.kind == ExprKind::Slice) {
                    const auto part = [&](size_t i) {
                        return key.items[i] ? eval(*key.items[i], scope) : Value::none();
                    };
                    const Value start = part(0), stop = part(1), step = part(2);
                    if (!const_mode_) return slice_of(obj, start, stop, step);
                    // At compile time: environment.getitem(obj, slice), where a TypeError becomes Undefined.
                    if (obj.is_undefined()) throw Impossible();
                    try {
                        return slice_of(obj, start, stop, step);
                    } catch (const TemplateFailure& f) {
                        if (f.kind != FailureKind::Runtime || f.message == "slice step cannot be zero") throw;
                        return Value::undefined("'" + type_name(obj) + " object' has no element slice");
                    }
                }
                return get_item(obj, eval(key, scope));
            }
            case ExprKind::Slice: fail_syntax(e.line, "a slice outside brackets");
            case ExprKind::Call: {
                if (const_mode_) throw Impossible();
                const Value callee = eval(*e.items[0], scope);
                Args a = eval_args(e, 1, scope);
                if (callee.is_callable()) return callee.callable().call(a);
                if (callee.is_undefined()) fail_undefined(callee);
                fail_runtime("'" + type_name(callee) + "' object is not callable");
            }
            case ExprKind::Filter: {
                if (const_mode_ && (!e.items[0] || e.name == "map" || e.name == "select" || e.name == "reject" ||
                                    e.name == "selectattr" || e.name == "rejectattr"))
                    throw Impossible();   // @pass_context filters are never folded
                const Value subject = eval(*e.items[0], scope);
                Args a = eval_args(e, 1, scope);
                return apply_filter(e.name, subject, a);
            }
            case ExprKind::Test: {
                const Value subject = eval(*e.items[0], scope);
                Args a = eval_args(e, 1, scope);
                return Value::boolean(apply_test(e.name, subject, a));
            }
            case ExprKind::Not: return Value::boolean(!truthy(eval(*e.items[0], scope)));
            case ExprKind::Neg: return unary_op(true, eval(*e.items[0], scope));
            case ExprKind::Pos: return unary_op(false, eval(*e.items[0], scope));
            case ExprKind::And: {
                Value left = eval(*e.items[0], scope);
                return truthy(left) ? eval(*e.items[1], scope) : left;
            }
            case ExprKind::Or: {
                Value left = eval(*e.items[0], scope);
                return truthy(left) ? left : eval(*e.items[1], scope);
            }
            case ExprKind::Binary: return binary_op(e.name, eval(*e.items[0], scope), eval(*e.items[1], scope));
            case ExprKind::Concat: {
                std::string s;
                for (const auto& i : e.items) append(s, to_str(eval(*i, scope)));
                return Value::string(std::move(s));
            }
            case ExprKind::Compare: {
                Value left = eval(*e.items[0], scope);
                for (size_t i = 0; i < e.ops.size(); ++i) {
                    Value right = eval(*e.items[i + 1], scope);
                    if (!compare(e.ops[i], left, right)) return Value::boolean(false);
                    left = std::move(right);
                }
                return Value::boolean(true);
            }
            case ExprKind::CondExpr: {
                if (truthy(eval(*e.items[0], scope))) return eval(*e.items[1], scope);
                if (e.items[2]) return eval(*e.items[2], scope);
                if (const_mode_) throw Impossible();
                return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                        " evaluated to false and no else section was defined.");
            }
        }
        fail_unsupported(e.line, "an expression of an unknown kind");
    }
};

}  // namespace

std::string render_template(const Template& tpl, const RenderInput& input) {
    return Interpreter(input).run(tpl);
}

ConstantValue constant_value(const Expr& e) {
    static const RenderInput no_input;
    ConstantValue c;
    try {
        c.value = Interpreter(no_input, true).constant(e);
    } catch (const Impossible&) {
    } catch (const TemplateFailure& f) {
        if (f.kind == FailureKind::Unsupported) c.unsupported = f.message;
    }
    return c;
}

bool has_safe_repr(const Value& v) {
    const NestingGuard guard;
    if (v.is_none() || v.is_bool() || v.is_int() || v.is_float() || v.is_string()) return true;
    if (v.is_sequence()) {
        const Sequence& s = v.seq();
        if (s.kind == SeqKind::Range) return true;
        if (s.kind != SeqKind::List && s.kind != SeqKind::Tuple) return false;
        for (const Value& i : s.items)
            if (!has_safe_repr(i)) return false;
        return true;
    }
    if (v.is_dict()) {
        for (const auto& kv : v.dict().entries)
            if (!has_safe_repr(kv.second)) return false;
        return true;
    }
    return false;
}

}  // namespace llms::chat::jinja

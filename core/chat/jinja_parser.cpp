#include "core/chat/jinja_parser.h"

#include "core/chat/jinja_builtins.h"
#include "core/chat/jinja_error.h"
#include "core/chat/jinja_lexer.h"

#include <algorithm>
#include <functional>
#include <initializer_list>

namespace llms::chat::jinja {

namespace {

constexpr int kMaxNesting = 100;   // expressions and statements nested deeper than this are refused (stack depth)

ExprPtr make(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
}

bool is_end_tag(const std::string& name) {
    static const char* const ends[] = {"endif", "endfor", "endset", "endmacro", "endgeneration", "elif", "else",
                                       "endblock", "endwith", "endcall", "endfilter", "endautoescape", "endraw"};
    return std::any_of(std::begin(ends), std::end(ends), [&](const char* e) { return name == e; });
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    std::shared_ptr<Template> parse() {
        auto tpl = std::make_shared<Template>();
        tpl->body = subparse({});
        return tpl;
    }

private:
    struct Open {
        std::string tag;
        int line;
    };

    std::vector<Token> t_;
    size_t i_ = 0;
    int depth_ = 0;
    std::vector<Stmt*> loops_;   // the for loops a {% break %} / {% continue %} here would leave, innermost last
    std::vector<Open> open_;   // the block statements being parsed, outermost first

    // ---- token stream ----
    const Token& cur() const { return t_[i_]; }
    const Token& look() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
    void advance() {
        if (i_ + 1 < t_.size()) ++i_;
    }
    bool is_op(const char* op) const { return cur().type == Tok::Operator && cur().text == op; }
    bool is_name(const char* name) const { return cur().type == Tok::Name && cur().text == name; }
    bool skip_op(const char* op) {
        if (!is_op(op)) return false;
        advance();
        return true;
    }
    bool skip_name(const char* name) {
        if (!is_name(name)) return false;
        advance();
        return true;
    }

    static std::string describe(const Token& t) {
        switch (t.type) {
            case Tok::Data: return "template text";
            case Tok::VariableBegin: return "begin of print statement '{{'";
            case Tok::VariableEnd: return "end of print statement '}}'";
            case Tok::BlockBegin: return "begin of statement block '{%'";
            case Tok::BlockEnd: return "end of statement block '%}'";
            case Tok::Name: return "'" + t.text + "'";
            case Tok::String: return "a string";
            case Tok::Integer: case Tok::Float: return "the number " + t.text;
            case Tok::Operator: return "'" + t.text + "'";
            case Tok::Eof: return "the end of the template";
        }
        return "a token";
    }

    [[noreturn]] void fail_eof_or(const std::string& expected) const {
        fail_syntax(cur().line, "expected " + expected + ", found " + describe(cur()));
    }

    void expect_op(const char* op) {
        if (!skip_op(op)) fail_eof_or(std::string("'") + op + "'");
    }
    void expect(Tok type, const char* what) {
        if (cur().type != type) fail_eof_or(what);
        advance();
    }
    std::string expect_name() {
        if (cur().type != Tok::Name) fail_eof_or("a name");
        std::string n = cur().text;
        advance();
        return n;
    }

    // ---- statements ----

    // Template text, {{ expressions }} and statements up to a {% tag %} named in end_tags (left current) or EOF.
    Body subparse(std::initializer_list<const char*> end_tags) {
        Body body;
        Stmt* output = nullptr;
        while (cur().type != Tok::Eof) {
            if (cur().type == Tok::Data || cur().type == Tok::VariableBegin) {
                if (!output) {
                    body.push_back(std::make_unique<Stmt>());
                    output = body.back().get();
                    output->kind = StmtKind::Output;
                    output->line = cur().line;
                }
                OutputPart part;
                if (cur().type == Tok::Data) {
                    part.text = cur().text;
                    advance();
                } else {
                    advance();
                    part.expr = parse_tuple(false, true, {}, false);
                    expect(Tok::VariableEnd, "'}}'");
                }
                output->parts.push_back(std::move(part));
                continue;
            }
            output = nullptr;
            expect(Tok::BlockBegin, "'{%'");
            if (cur().type == Tok::Name)
                for (const char* end : end_tags)
                    if (cur().text == end) return body;
            body.push_back(parse_statement());
            expect(Tok::BlockEnd, "'%}'");
        }
        return body;
    }

    // After the opening tag's name and arguments: "%}", the body, and the closing tag (consumed when drop).
    Body parse_body(std::initializer_list<const char*> end_tags, bool drop) {
        skip_op(":");
        expect(Tok::BlockEnd, "'%}'");
        Body body = subparse(end_tags);
        if (cur().type == Tok::Eof) {
            std::string names;
            for (const char* e : end_tags) names += std::string(names.empty() ? "" : " or ") + "{% " + e + " %}";
            fail_syntax(open_.back().line, "the {% " + open_.back().tag + " %} opened on line " +
                                               std::to_string(open_.back().line) + " is never closed (expected " +
                                               names + ")");
        }
        if (drop) advance();
        return body;
    }

    StmtPtr parse_statement() {
        const Token tag = cur();
        if (tag.type != Tok::Name)
            fail_syntax(tag.line, "expected a statement name after '{%', found " + describe(tag));
        if (++depth_ > kMaxNesting) fail_unsupported(tag.line, "statements nested more than 100 deep");
        const std::string& n = tag.text;
        StmtPtr s;
        if (n == "if") s = parse_if();
        else if (n == "for") s = parse_for();
        else if (n == "set") s = parse_set();
        else if (n == "macro") s = parse_macro();
        else if (n == "print") s = parse_print();
        else if (n == "break" || n == "continue") s = parse_loop_control();
        else if (n == "generation") s = parse_generation();
        else if (n == "block" || n == "extends" || n == "include" || n == "import" || n == "from" || n == "with" ||
                 n == "autoescape" || n == "call" || n == "filter")
            fail_unsupported(tag.line, "the statement {% " + n + " %}");
        else if (is_end_tag(n)) {
            if (open_.empty()) fail_syntax(tag.line, "{% " + n + " %} without an opening statement");
            fail_syntax(tag.line, "{% " + n + " %} does not belong to the {% " + open_.back().tag +
                                      " %} opened on line " + std::to_string(open_.back().line));
        } else {
            fail_syntax(tag.line, "unknown statement {% " + n + " %}");
        }
        --depth_;
        return s;
    }

    StmtPtr new_stmt(StmtKind kind, int line) {
        auto s = std::make_unique<Stmt>();
        s->kind = kind;
        s->line = line;
        return s;
    }

    StmtPtr parse_if() {
        auto s = new_stmt(StmtKind::If, cur().line);
        open_.push_back({"if", cur().line});
        advance();
        while (true) {
            s->tests.push_back(parse_tuple(false, false, {}, false));
            s->bodies.push_back(parse_body({"elif", "else", "endif"}, false));
            const std::string which = cur().text;
            advance();
            if (which == "elif") continue;
            if (which == "else") s->else_body = parse_body({"endif"}, true);
            break;
        }
        open_.pop_back();
        return s;
    }

    StmtPtr parse_for() {
        auto s = new_stmt(StmtKind::For, cur().line);
        open_.push_back({"for", cur().line});
        advance();
        s->target = parse_assign_target(false, {"in"});
        if (!skip_name("in")) fail_eof_or("'in'");
        s->expr = parse_tuple(false, false, {"recursive"}, false);
        if (skip_name("if")) s->filter = parse_expression(true);
        if (is_name("recursive")) fail_unsupported(cur().line, "recursive for loops");
        loops_.push_back(s.get());
        s->body = parse_body({"endfor", "else"}, false);
        loops_.pop_back();
        const std::string which = cur().text;
        advance();
        if (which == "else") s->else_body = parse_body({"endfor"}, true);
        open_.pop_back();
        return s;
    }

    StmtPtr parse_set() {
        const int line = cur().line;
        advance();
        Target target = parse_assign_target(true, {});
        if (skip_op("=")) {
            auto s = new_stmt(StmtKind::Set, line);
            s->target = std::move(target);
            s->expr = parse_tuple(false, true, {}, false);
            return s;
        }
        auto s = new_stmt(StmtKind::SetBlock, line);
        s->target = std::move(target);
        if (is_op("|")) s->expr = parse_filter(nullptr);
        open_.push_back({"set", line});
        s->body = parse_body({"endset"}, true);
        open_.pop_back();
        return s;
    }

    StmtPtr parse_macro() {
        auto s = new_stmt(StmtKind::Macro, cur().line);
        open_.push_back({"macro", cur().line});
        advance();
        s->name = expect_name();
        expect_op("(");
        bool defaults = false;
        while (!is_op(")")) {
            if (!s->params.empty()) expect_op(",");
            MacroParam p;
            p.name = expect_name();
            if (skip_op("=")) {
                p.default_value = parse_expression(true);
                defaults = true;
            } else if (defaults) {
                fail_syntax(cur().line, "non-default argument follows default argument");
            }
            s->params.push_back(std::move(p));
        }
        expect_op(")");
        std::vector<Stmt*> outer_loops;   // a macro is a function of its own: no break out of it
        outer_loops.swap(loops_);
        s->body = parse_body({"endmacro"}, true);
        loops_.swap(outer_loops);
        refuse_special_macro_names(s->body, s->name);
        open_.pop_back();
        return s;
    }

    // caller, varargs and kwargs are bound by Jinja inside macros; this renderer does not implement them.
    static void refuse_special_macro_names(const Body& body, const std::string& macro) {
        std::function<void(const Expr*)> expr = [&](const Expr* e) {
            if (!e) return;
            if (e->kind == ExprKind::Name && (e->name == "caller" || e->name == "varargs" || e->name == "kwargs"))
                fail_unsupported(e->line, "'" + e->name + "' inside the macro " + macro);
            for (const auto& c : e->items) expr(c.get());
            for (const auto& kw : e->kwargs) expr(kw.second.get());
        };
        std::function<void(const Body&)> walk = [&](const Body& b) {
            for (const auto& s : b) {
                for (const auto& p : s->parts) expr(p.expr.get());
                for (const auto& t : s->tests) expr(t.get());
                for (const auto& bb : s->bodies) walk(bb);
                walk(s->body);
                walk(s->else_body);
                expr(s->expr.get());
                expr(s->filter.get());
                for (const auto& p : s->params) expr(p.default_value.get());
            }
        };
        walk(body);
    }

    StmtPtr parse_print() {
        auto s = new_stmt(StmtKind::Output, cur().line);
        advance();
        while (cur().type != Tok::BlockEnd) {
            if (!s->parts.empty()) expect_op(",");
            OutputPart part;
            part.expr = parse_expression(true);
            s->parts.push_back(std::move(part));
        }
        return s;
    }

    StmtPtr parse_loop_control() {
        const bool is_break = cur().text == "break";
        if (loops_.empty()) fail_syntax(cur().line, std::string("{% ") + cur().text + " %} outside a for loop");
        if (is_break) loops_.back()->breaks = true;
        auto s = new_stmt(is_break ? StmtKind::Break : StmtKind::Continue, cur().line);
        advance();
        return s;
    }

    StmtPtr parse_generation() {
        auto s = new_stmt(StmtKind::Generation, cur().line);
        open_.push_back({"generation", cur().line});
        advance();
        std::vector<Stmt*> outer_loops;   // the body is a function of its own in Jinja: no break out of it
        outer_loops.swap(loops_);
        s->body = parse_body({"endgeneration"}, true);
        loops_.swap(outer_loops);
        open_.pop_back();
        return s;
    }

    // A for loop's or {% set %}'s target: name, name, ... or (with_namespace) ns.attr.
    Target parse_assign_target(bool with_namespace, std::initializer_list<const char*> extra_end) {
        Target target;
        target.line = cur().line;
        bool is_tuple = false;
        while (true) {
            if (!target.names.empty()) expect_op(",");
            if (is_tuple_end(extra_end)) break;
            if (cur().type != Tok::Name || cur().text == "true" || cur().text == "false" || cur().text == "True" ||
                cur().text == "False" || cur().text == "none" || cur().text == "None")
                fail_syntax(cur().line, "cannot assign to " + describe(cur()));
            target.names.push_back(cur().text);
            advance();
            if (with_namespace && is_op(".")) {
                advance();
                target.attr = expect_name();
                target.kind = Target::Kind::NamespaceAttr;
                if (is_op(",") || target.names.size() > 1)
                    fail_unsupported(target.line, "assigning to several namespace attributes at once");
                return target;
            }
            if (is_op(",")) is_tuple = true;
            else break;
        }
        if (target.names.empty()) fail_syntax(cur().line, "expected a name to assign to, found " + describe(cur()));
        target.kind = is_tuple ? Target::Kind::Tuple : Target::Kind::Name;
        return target;
    }

    // ---- expressions ----

    bool is_tuple_end(std::initializer_list<const char*> extra_end) const {
        if (cur().type == Tok::VariableEnd || cur().type == Tok::BlockEnd || is_op(")")) return true;
        if (cur().type == Tok::Name)
            for (const char* e : extra_end)
                if (cur().text == e) return true;
        return false;
    }

    ExprPtr parse_tuple(bool /*simplified*/, bool with_condexpr, std::initializer_list<const char*> extra_end,
                        bool explicit_parentheses) {
        const int line = cur().line;
        std::vector<ExprPtr> args;
        bool is_tuple = false;
        while (true) {
            if (!args.empty()) expect_op(",");
            if (is_tuple_end(extra_end)) break;
            args.push_back(parse_expression(with_condexpr));
            if (is_op(",")) is_tuple = true;
            else break;
        }
        if (!is_tuple) {
            if (!args.empty()) return std::move(args[0]);
            if (!explicit_parentheses) fail_eof_or("an expression");
        }
        auto t = make(ExprKind::Tuple, line);
        t->items = std::move(args);
        return t;
    }

    ExprPtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

    ExprPtr parse_condexpr() {
        int line = cur().line;
        ExprPtr expr1 = parse_or();
        while (skip_name("if")) {
            auto c = make(ExprKind::CondExpr, line);
            ExprPtr test = parse_or();
            ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
            c->items.push_back(std::move(test));
            c->items.push_back(std::move(expr1));
            c->items.push_back(std::move(otherwise));
            expr1 = std::move(c);
            line = cur().line;
        }
        return expr1;
    }

    ExprPtr binary(ExprKind kind, int line, ExprPtr a, ExprPtr b, std::string op = {}) {
        auto e = make(kind, line);
        e->name = std::move(op);
        e->items.push_back(std::move(a));
        e->items.push_back(std::move(b));
        return e;
    }

    ExprPtr parse_or() {
        int line = cur().line;
        ExprPtr left = parse_and();
        while (skip_name("or")) {
            left = binary(ExprKind::Or, line, std::move(left), parse_and());
            line = cur().line;
        }
        return left;
    }

    ExprPtr parse_and() {
        int line = cur().line;
        ExprPtr left = parse_not();
        while (skip_name("and")) {
            left = binary(ExprKind::And, line, std::move(left), parse_not());
            line = cur().line;
        }
        return left;
    }

    ExprPtr parse_not() {
        if (is_name("not")) {
            const int line = cur().line;
            advance();
            guard(line);
            auto e = make(ExprKind::Not, line);
            e->items.push_back(parse_not());
            --depth_;
            return e;
        }
        return parse_compare();
    }

    ExprPtr parse_compare() {
        const int line = cur().line;
        ExprPtr expr = parse_math1();
        ExprPtr cmp;
        while (true) {
            std::string op;
            if (cur().type == Tok::Operator &&
                (cur().text == "==" || cur().text == "!=" || cur().text == "<" || cur().text == "<=" ||
                 cur().text == ">" || cur().text == ">=")) {
                op = cur().text;
                advance();
            } else if (skip_name("in")) {
                op = "in";
            } else if (is_name("not") && look().type == Tok::Name && look().text == "in") {
                advance();
                advance();
                op = "not in";
            } else {
                break;
            }
            if (!cmp) {
                cmp = make(ExprKind::Compare, line);
                cmp->items.push_back(std::move(expr));
            }
            cmp->ops.push_back(op);
            cmp->items.push_back(parse_math1());
        }
        return cmp ? std::move(cmp) : std::move(expr);
    }

    ExprPtr parse_math1() {
        int line = cur().line;
        ExprPtr left = parse_concat();
        while (is_op("+") || is_op("-")) {
            const std::string op = cur().text;
            advance();
            left = binary(ExprKind::Binary, line, std::move(left), parse_concat(), op);
            line = cur().line;
        }
        return left;
    }

    ExprPtr parse_concat() {
        const int line = cur().line;
        ExprPtr first = parse_math2();
        if (!is_op("~")) return first;
        auto c = make(ExprKind::Concat, line);
        c->items.push_back(std::move(first));
        while (skip_op("~")) c->items.push_back(parse_math2());
        return c;
    }

    ExprPtr parse_math2() {
        int line = cur().line;
        ExprPtr left = parse_pow();
        while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
            const std::string op = cur().text;
            advance();
            left = binary(ExprKind::Binary, line, std::move(left), parse_pow(), op);
            line = cur().line;
        }
        return left;
    }

    ExprPtr parse_pow() {
        int line = cur().line;
        ExprPtr left = parse_unary(true);
        while (skip_op("**")) {
            left = binary(ExprKind::Binary, line, std::move(left), parse_unary(true), "**");
            line = cur().line;
        }
        return left;
    }

    void guard(int line) {
        if (++depth_ > kMaxNesting) fail_unsupported(line, "an expression nested more than 100 deep");
    }

    ExprPtr parse_unary(bool with_filter) {
        const int line = cur().line;
        guard(line);
        ExprPtr node;
        if (is_op("-") || is_op("+")) {
            const bool neg = is_op("-");
            advance();
            node = make(neg ? ExprKind::Neg : ExprKind::Pos, line);
            node->items.push_back(parse_unary(false));
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        if (with_filter) node = parse_filter_expr(std::move(node));
        --depth_;
        return node;
    }

    ExprPtr parse_primary() {
        const Token& tok = cur();
        const int line = tok.line;
        if (tok.type == Tok::Name) {
            ExprPtr e;
            if (tok.text == "true" || tok.text == "True" || tok.text == "false" || tok.text == "False") {
                e = make(ExprKind::Const, line);
                e->value = Value::boolean(tok.text == "true" || tok.text == "True");
            } else if (tok.text == "none" || tok.text == "None") {
                e = make(ExprKind::Const, line);
                e->value = Value::none();
            } else {
                e = make(ExprKind::Name, line);
                e->name = tok.text;
            }
            advance();
            return e;
        }
        if (tok.type == Tok::String) {
            std::string s;
            while (cur().type == Tok::String) {   // adjacent literals concatenate
                s += cur().text;
                advance();
            }
            auto e = make(ExprKind::Const, line);
            e->value = Value::string(std::move(s));
            return e;
        }
        if (tok.type == Tok::Integer || tok.type == Tok::Float) {
            auto e = make(ExprKind::Const, line);
            e->value = tok.type == Tok::Integer ? Value::integer(tok.integer) : Value::number(tok.number);
            advance();
            return e;
        }
        if (is_op("(")) {
            advance();
            ExprPtr e = parse_tuple(false, true, {}, true);
            expect_op(")");
            return e;
        }
        if (is_op("[")) {
            advance();
            auto e = make(ExprKind::List, line);
            while (!is_op("]")) {
                if (!e->items.empty()) expect_op(",");
                if (is_op("]")) break;
                e->items.push_back(parse_expression(true));
            }
            expect_op("]");
            return e;
        }
        if (is_op("{")) {
            advance();
            auto e = make(ExprKind::Dict, line);
            while (!is_op("}")) {
                if (!e->items.empty()) expect_op(",");
                if (is_op("}")) break;
                e->items.push_back(parse_expression(true));
                expect_op(":");
                e->items.push_back(parse_expression(true));
            }
            expect_op("}");
            return e;
        }
        fail_eof_or("an expression");
    }

    ExprPtr parse_postfix(ExprPtr node) {
        while (true) {
            if (is_op(".") || is_op("[")) node = parse_subscript(std::move(node));
            else if (is_op("(")) node = parse_call(std::move(node));
            else return node;
        }
    }

    ExprPtr parse_filter_expr(ExprPtr node) {
        while (true) {
            if (is_op("|")) node = parse_filter(std::move(node));
            else if (is_name("is")) node = parse_test(std::move(node));
            else if (is_op("(")) node = parse_call(std::move(node));
            else return node;
        }
    }

    ExprPtr parse_subscript(ExprPtr node) {
        const int line = cur().line;
        if (skip_op(".")) {
            const Token attr = cur();
            advance();
            if (attr.type == Tok::Name) {
                auto e = make(ExprKind::Getattr, line);
                e->name = attr.text;
                e->items.push_back(std::move(node));
                return e;
            }
            if (attr.type != Tok::Integer) fail_syntax(attr.line, "expected a name or number after '.'");
            auto key = make(ExprKind::Const, attr.line);
            key->value = Value::integer(attr.integer);
            auto e = make(ExprKind::Getitem, line);
            e->items.push_back(std::move(node));
            e->items.push_back(std::move(key));
            return e;
        }
        expect_op("[");
        std::vector<ExprPtr> args;
        while (!is_op("]")) {
            if (!args.empty()) expect_op(",");
            args.push_back(parse_subscribed());
        }
        expect_op("]");
        auto e = make(ExprKind::Getitem, line);
        e->items.push_back(std::move(node));
        if (args.size() == 1) {
            e->items.push_back(std::move(args[0]));
        } else {
            auto t = make(ExprKind::Tuple, line);
            t->items = std::move(args);
            e->items.push_back(std::move(t));
        }
        return e;
    }

    // One subscript: an expression or a slice start:stop:step with any part left out.
    ExprPtr parse_subscribed() {
        const int line = cur().line;
        std::vector<ExprPtr> parts;
        if (skip_op(":")) {
            parts.push_back(nullptr);
        } else {
            ExprPtr node = parse_expression(true);
            if (!skip_op(":")) return node;
            parts.push_back(std::move(node));
        }
        if (is_op(":")) parts.push_back(nullptr);
        else if (!is_op("]") && !is_op(",")) parts.push_back(parse_expression(true));
        else parts.push_back(nullptr);
        if (skip_op(":")) {
            if (!is_op("]") && !is_op(",")) parts.push_back(parse_expression(true));
            else parts.push_back(nullptr);
        } else {
            parts.push_back(nullptr);
        }
        auto s = make(ExprKind::Slice, line);
        s->items = std::move(parts);
        return s;
    }

    void parse_call_args(Expr& e) {
        const int line = cur().line;
        expect_op("(");
        bool require_comma = false;
        while (!is_op(")")) {
            if (require_comma) {
                expect_op(",");
                if (is_op(")")) break;
            }
            if (is_op("*") || is_op("**")) fail_unsupported(cur().line, "*args / **kwargs in a call");
            if (cur().type == Tok::Name && look().type == Tok::Operator && look().text == "=") {
                std::string key = cur().text;
                advance();
                advance();
                e.kwargs.emplace_back(std::move(key), parse_expression(true));
            } else {
                if (!e.kwargs.empty()) fail_syntax(line, "invalid syntax for function call expression");
                e.items.push_back(parse_expression(true));
            }
            require_comma = true;
        }
        expect_op(")");
    }

    ExprPtr parse_call(ExprPtr node) {
        auto e = make(ExprKind::Call, cur().line);
        e->items.push_back(std::move(node));
        parse_call_args(*e);
        return e;
    }

    std::string dotted_name(const char* what) {
        const int line = cur().line;
        std::string name = expect_name();
        if (is_op(".")) fail_unsupported(line, std::string("a dotted ") + what + " name");
        return name;
    }

    ExprPtr parse_filter(ExprPtr node) {
        while (skip_op("|")) {
            const int line = cur().line;
            auto e = make(ExprKind::Filter, line);
            e->name = dotted_name("filter");
            // Jinja fails on an unknown filter only when it is reached; this renderer refuses the template up front.
            if (!is_supported_filter(e->name))
                fail_unsupported(line, std::string(is_jinja_filter(e->name) ? "the filter '" : "the unknown filter '") +
                                           e->name + "'");
            e->items.push_back(std::move(node));
            if (is_op("(")) parse_call_args(*e);
            node = std::move(e);
        }
        return node;
    }

    ExprPtr parse_test(ExprPtr node) {
        const int line = cur().line;
        advance();   // is
        const bool negated = skip_name("not");
        auto e = make(ExprKind::Test, line);
        const int name_line = cur().line;
        e->name = dotted_name("test");
        if (!is_supported_test(e->name))
            fail_unsupported(name_line, std::string(is_jinja_test(e->name) ? "the test '" : "the unknown test '") +
                                            e->name + "'");
        e->items.push_back(std::move(node));
        if (is_op("(")) {
            parse_call_args(*e);
        } else if ((cur().type == Tok::Name || cur().type == Tok::String || cur().type == Tok::Integer ||
                    cur().type == Tok::Float || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
            if (is_name("is")) fail_syntax(cur().line, "you cannot chain multiple tests with 'is'");
            e->items.push_back(parse_postfix(parse_primary()));
        }
        if (!negated) return e;
        auto n = make(ExprKind::Not, line);
        n->items.push_back(std::move(e));
        return n;
    }
};

}  // namespace

std::shared_ptr<Template> parse_template(std::string_view source) {
    return Parser(tokenize(source)).parse();
}

}  // namespace llms::chat::jinja

#include "core/chat/jinja_optimizer.h"

#include "core/chat/jinja_error.h"
#include "core/chat/jinja_render.h"

namespace llms::chat::jinja {

namespace {

void replace(ExprPtr& e, ExprKind kind, Value value, std::string what) {
    const int line = e->line;
    e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    e->value = std::move(value);
    e->name = std::move(what);
}

// jinja2.optimizer.Optimizer.generic_visit: children first, then the node itself when its compile-time value has
// a safe repr (has_safe_repr). A compile-time value this renderer cannot compute (Jinja might fold it into
// something that renders) becomes a node that refuses when it is reached.
void fold(ExprPtr& e) {
    if (!e) return;
    for (ExprPtr& child : e->items) fold(child);
    for (auto& kw : e->kwargs) fold(kw.second);
    if (e->kind == ExprKind::Const || e->kind == ExprKind::Slice || e->kind == ExprKind::Refused) return;
    ConstantValue c = constant_value(*e);
    if (c.value && has_safe_repr(*c.value)) replace(e, ExprKind::Const, std::move(*c.value), {});
    else if (!c.unsupported.empty()) replace(e, ExprKind::Refused, Value(), c.unsupported);
}

void fold_body(Body& body) {
    for (StmtPtr& s : body) {
        for (OutputPart& part : s->parts) {
            if (!part.expr) continue;
            fold(part.expr);
            // CodeGenerator.visit_Output: a child with a compile-time value is printed as str(value) right away.
            ConstantValue c = constant_value(*part.expr);
            if (c.value) {
                try {
                    part.text = to_str(*c.value);
                    part.expr.reset();
                } catch (const TemplateFailure&) {
                    // not printable here (a generator, ...): printed at run time, which refuses it the same way
                    replace(part.expr, ExprKind::Const, std::move(*c.value), {});
                }
            } else if (!c.unsupported.empty()) {
                replace(part.expr, ExprKind::Refused, Value(), c.unsupported);
            }
        }
        for (ExprPtr& t : s->tests) fold(t);
        for (Body& b : s->bodies) fold_body(b);
        fold_body(s->body);
        fold_body(s->else_body);
        fold(s->expr);
        fold(s->filter);
        for (MacroParam& p : s->params) fold(p.default_value);
    }
}

}  // namespace

void fold_constants(Template& tpl) { fold_body(tpl.body); }

}  // namespace llms::chat::jinja

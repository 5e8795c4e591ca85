// The parsed form of a chat template (what jinja_parser builds and jinja_render walks): expressions and statements
// of the Jinja subset, each with the template line it came from. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llms::chat::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
    Const,      // value
    Name,       // name
    List,       // items
    Tuple,      // items
    Dict,       // items: key, value, key, value, ...
    Getattr,    // items[0].name
    Getitem,    // items[0][items[1]]
    Slice,      // items[0]:items[1]:items[2], each may be null
    Call,       // items[0](items[1..], kwargs)
    Filter,     // items[0] | name(items[1..], kwargs); items[0] is null in {% set x | filter %}
    Test,       // items[0] is name(items[1..], kwargs)
    Not,        // not items[0]
    Neg,        // -items[0]
    Pos,        // +items[0]
    And,        // items[0] and items[1]
    Or,         // items[0] or items[1]
    Binary,     // items[0] name items[1], name one of + - * / // % **
    Concat,     // items[0] ~ items[1] ~ ...
    Compare,    // items[0] ops[0] items[1] ops[1] items[2] ...
    CondExpr,   // items[1] if items[0] else items[2] (items[2] may be null)
    Refused,    // a constant Jinja would compute at compile time and this renderer cannot (name: what); refuses
};

struct Expr {
    ExprKind kind = ExprKind::Const;
    int line = 0;
    Value value;
    std::string name;
    std::vector<ExprPtr> items;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    std::vector<std::string> ops;   // Compare: "==", "!=", "<", "<=", ">", ">=", "in", "not in"
};

// What a for loop or {% set %} assigns to: a name, names to unpack, or a namespace attribute (ns.attr).
struct Target {
    enum class Kind { Name, Tuple, NamespaceAttr } kind = Kind::Name;
    std::vector<std::string> names;   // Name: one; Tuple: several; NamespaceAttr: the namespace variable
    std::string attr;
    int line = 0;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind {
    Output,     // parts: template text and {{ expressions }}
    If,         // tests[i] -> bodies[i]; else_body
    For,        // for target in iter [if filter]: body; else_body
    Set,        // target = expr
    SetBlock,   // {% set target [| filter] %} body {% endset %}
    Macro,      // {% macro name(params) %} body
    Break,
    Continue,
    Generation, // transformers' {% generation %} body {% endgeneration %}: renders its body
};

struct OutputPart {
    std::string text;   // template text when expr is null
    ExprPtr expr;
};

struct MacroParam {
    std::string name;
    ExprPtr default_value;   // null: required
};

struct Stmt {
    StmtKind kind = StmtKind::Output;
    int line = 0;
    std::vector<OutputPart> parts;
    std::vector<ExprPtr> tests;
    std::vector<Body> bodies;
    Body body, else_body;
    Target target;
    ExprPtr expr;     // Set: the value; For: the iterable; SetBlock: the filter (items[0] null)
    ExprPtr filter;   // For: the `if` condition
    bool breaks = false;             // For: its body holds a {% break %} for it
    std::string name;                // Macro
    std::vector<MacroParam> params;  // Macro
};

struct Template {
    Body body;
};

}  // namespace llms::chat::jinja

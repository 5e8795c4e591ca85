// The values a chat template computes with, modelled on the Python objects Jinja2 hands around: Undefined, None,
// bool, int, float, str, list / tuple / range / dict views / generators, dict (insertion-ordered, string keys),
// namespace() and loop objects, and callables (globals, methods, macros). Each operation here gives what CPython
// gives, or refuses (TemplateFailure, kind Unsupported) where this model cannot be sure of it — never a guess.
// Torch-free and Qt-free.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace llms::chat::jinja {

struct Value;
struct Sequence;
struct Dict;
struct Object;
struct Callable;
struct Args;
using SequencePtr = std::shared_ptr<const Sequence>;
using DictPtr = std::shared_ptr<const Dict>;
using ObjectPtr = std::shared_ptr<Object>;
using CallablePtr = std::shared_ptr<const Callable>;

// jinja2.Undefined: a name or attribute that does not exist. `hint` says which, for the error when it is used in a
// way Jinja refuses ("'x' is undefined").
struct Undefined {
    std::string hint;
};
struct None {};

struct Value {
    std::variant<Undefined, None, bool, int64_t, double, std::string, SequencePtr, DictPtr, ObjectPtr, CallablePtr> v;

    Value() : v(Undefined{}) {}
    static Value undefined(std::string hint) { Value x; x.v = Undefined{std::move(hint)}; return x; }
    static Value none() { Value x; x.v = None{}; return x; }
    static Value boolean(bool b) { Value x; x.v = b; return x; }
    static Value integer(int64_t i) { Value x; x.v = i; return x; }
    static Value number(double d) { Value x; x.v = d; return x; }
    static Value string(std::string s) { Value x; x.v = std::move(s); return x; }
    static Value list(std::vector<Value> items);
    static Value tuple(std::vector<Value> items);
    static Value iterator(std::vector<Value> items);   // a Python iterator over these items: walked once
    // A Python generator: `next` gives the following item, nullopt at the end. Nothing runs before the first
    // pull, so an error inside it surfaces only where the generator is consumed, as in Python.
    static Value generator(std::function<std::optional<Value>()> next);
    static Value dict(Dict d);
    static Value callable(std::string name, std::function<Value(Args&)> call);

    bool is_undefined() const { return std::holds_alternative<Undefined>(v); }
    bool is_none() const { return std::holds_alternative<None>(v); }
    bool is_bool() const { return std::holds_alternative<bool>(v); }
    bool is_int() const { return std::holds_alternative<int64_t>(v); }
    bool is_float() const { return std::holds_alternative<double>(v); }
    bool is_string() const { return std::holds_alternative<std::string>(v); }
    bool is_sequence() const { return std::holds_alternative<SequencePtr>(v); }
    bool is_dict() const { return std::holds_alternative<DictPtr>(v); }
    bool is_object() const { return std::holds_alternative<ObjectPtr>(v); }
    bool is_callable() const { return std::holds_alternative<CallablePtr>(v); }
    bool is_number() const { return is_bool() || is_int() || is_float(); }   // isinstance(x, numbers.Number)

    const std::string& str() const { return std::get<std::string>(v); }
    const Sequence& seq() const { return *std::get<SequencePtr>(v); }
    const Dict& dict() const { return *std::get<DictPtr>(v); }
    Object& object() const { return *std::get<ObjectPtr>(v); }
    const Callable& callable() const { return *std::get<CallablePtr>(v); }
    const std::string& undefined_hint() const { return std::get<Undefined>(v).hint; }
};

// What kind of Python sequence a Sequence stands for: they print, compare and index differently.
enum class SeqKind {
    List,
    Tuple,
    Range,      // range(): indexable, not printable here
    View,       // dict.items() / keys() / values(): iterable and sized, not indexable
    Iterator,   // a generator (select, map, reverse, items, ...): truthy, no len, walked once
};

struct Sequence {
    SeqKind kind = SeqKind::List;
    std::vector<Value> items;                                  // every kind but Iterator
    mutable std::function<std::optional<Value>()> next;        // Iterator: the next item, nullopt at the end
};

// The next item of an Iterator (nullopt once exhausted).
std::optional<Value> next_item(const Sequence& iterator);

// iter(x) as a pull function, for generators built on x: a generator is pulled lazily; any other value is walked
// from a snapshot taken at the first pull. TypeError (at the first pull) for values that are not iterable.
std::function<std::optional<Value>()> pull_from(const Value& x);

struct Dict {
    std::vector<std::pair<std::string, Value>> entries;   // insertion order, as a Python dict
    const Value* find(std::string_view key) const;
    void set(const std::string& key, Value value);
};

// A namespace() (attributes assignable with {% set ns.x = ... %}) or a for loop's `loop`.
struct Object {
    std::string type_name;   // "Namespace" or "LoopContext"
    bool is_namespace = false;
    Dict attrs;
};

// Arguments of a call: positional, then keyword, as written.
struct Args {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keywords;
};

struct Callable {
    std::string name;   // for messages: "raise_exception", "str.strip", "macro greet"
    std::function<Value(Args&)> call;
};

// Counts the nesting of a recursive walk over a value (repr, ==, <, json.dumps, hash): values a template builds can
// nest arbitrarily deep ({% set ns.v = [ns.v] %} in a loop); deeper than 200 is refused instead of overflowing the
// stack (Python stops near 1000 with a RecursionError).
struct NestingGuard {
    NestingGuard();
    ~NestingGuard();
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
};

// The largest string (bytes) and list (items) a template may build: beyond them the renderer refuses rather than
// exhaust memory.
constexpr size_t kMaxTextBytes = 64u << 20;
constexpr size_t kMaxListItems = 4u << 20;
void check_text_size(size_t bytes);   // Unsupported beyond kMaxTextBytes
void check_list_size(size_t items);   // Unsupported beyond kMaxListItems

// type(x).__name__ as Python names it ("str", "dict", "NoneType", "generator", ...), for messages.
std::string type_name(const Value& x);

// bool(x).
bool truthy(const Value& x);

// str(x): what {{ x }}, ~ and |string produce. Refuses what cannot be reproduced exactly (a container holding
// non-ASCII text, whose repr depends on Unicode tables; generators; functions).
std::string to_str(const Value& x);

// repr(x), same limits.
std::string repr(const Value& x);

// x == y with Python's rules (1 == 1.0 == True, [1] != (1,), dicts equal regardless of order, Undefined equals
// only Undefined).
bool equals(const Value& x, const Value& y);

// iter(x) walked to the end: the items of a sequence, the keys of a dict, the characters of a str, nothing for
// Undefined. A generator gives its remaining items and is consumed. TypeError for the rest.
std::vector<Value> iterate(const Value& x);

// Whether hash(x) works in Python (a dict key, `in` a dict, |unique): not for lists, dicts and tuples holding them.
// Unsupported for dict views (Python hashes some of them and not others).
bool hashable(const Value& x);

// len(x). TypeError (a runtime failure) for values without a length, such as generators and numbers.
int64_t length(const Value& x);

// The value transformers hands the template for a piece of JSON (objects keep their key order).
Value from_json(const nlohmann::ordered_json& j);

// Binds a call's arguments to a Python signature: one entry per name (nullopt when not given). A TypeError
// (runtime failure) for too many positional arguments, an unknown keyword or a repeated argument.
std::vector<std::optional<Value>> bind_args(const std::string& function, Args& args,
                                            const std::vector<std::string>& names);

// Python's int() of a value known to be a number (bool counts as 0/1); false for a float.
bool integer_of(const Value& x, int64_t* out);
// float(x) of a number.
double float_of(const Value& x);

}  // namespace llms::chat::jinja

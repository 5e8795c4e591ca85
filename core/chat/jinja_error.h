// How the chat template renderer (core/chat/jinja_*) reports a failure: a TemplateFailure with the template line it
// happened on (0 while not yet known: the interpreter fills in the line of the expression being evaluated) and its
// kind. chat_template.cpp turns it into the one-line llms::Error the rest of the product sees.
#pragma once
#include <exception>
#include <string>

namespace llms::chat::jinja {

enum class FailureKind {
    Syntax,        // not valid Jinja: Jinja would refuse the template too
    Unsupported,   // valid Jinja outside the subset this renderer implements: refused rather than rendered wrong
    Runtime,       // an error Jinja raises on this input too (an undefined value used, a type error, ...)
    Raised,        // the template called raise_exception(message): it rejects the conversation
};

struct TemplateFailure : std::exception {
    FailureKind kind;
    int line;             // 1-based template line; 0 = not known yet
    std::string message;  // what went wrong, without the line
    TemplateFailure(FailureKind k, int l, std::string m) : kind(k), line(l), message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

[[noreturn]] inline void fail_syntax(int line, const std::string& message) {
    throw TemplateFailure(FailureKind::Syntax, line, message);
}
[[noreturn]] inline void fail_unsupported(int line, const std::string& message) {
    throw TemplateFailure(FailureKind::Unsupported, line, message);
}
[[noreturn]] inline void fail_runtime(const std::string& message) {
    throw TemplateFailure(FailureKind::Runtime, 0, message);
}
[[noreturn]] inline void fail_unsupported_here(const std::string& message) {
    throw TemplateFailure(FailureKind::Unsupported, 0, message);
}

}  // namespace llms::chat::jinja

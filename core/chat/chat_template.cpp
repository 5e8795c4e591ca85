#include "core/chat/chat_template.h"

#include "core/chat/jinja_error.h"
#include "core/chat/jinja_optimizer.h"
#include "core/chat/jinja_parser.h"
#include "core/chat/jinja_render.h"
#include "core/chat/python_strftime.h"
#include "core/chat/python_text.h"
#include "core/common/error.h"

namespace llms::chat {

namespace {

// A message part on one line and of a readable size: it can quote template text or a message's content.
std::string one_line(const std::string& text) {
    constexpr size_t kMax = 400;
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xc0) != 0x80 && out.size() >= kMax) return out + "...";   // cut between characters
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
        else out.push_back(text[i]);
    }
    return out;
}

// The one-line llms::Error for a TemplateFailure: where, what, and what to do.
[[noreturn]] void rethrow(const jinja::TemplateFailure& failure, const std::string& source) {
    jinja::TemplateFailure f = failure;
    f.message = one_line(f.message);
    const std::string where = one_line(source) + (f.line > 0 ? ", line " + std::to_string(f.line) : "") + ": ";
    switch (f.kind) {
        case jinja::FailureKind::Raised:
            throw Error(where + "the chat template rejects this conversation: " + f.message);
        case jinja::FailureKind::Syntax:
            throw Error(where + f.message + " (the template is not valid Jinja; fix the template)");
        case jinja::FailureKind::Runtime:
            throw Error(where + f.message + " (Jinja fails on this conversation too; check the messages and the "
                                            "template's variables)");
        case jinja::FailureKind::Unsupported:
            break;
    }
    throw Error(where + f.message + " is not supported by llm-surgery's chat template renderer (a subset of "
                                    "Jinja); turn chat formatting off for this model or give a simpler template");
}

// Every string in the messages and variables must be UTF-8, as Python's str is text.
void check_utf8(const std::string& s, const std::string& what, const std::string& source) {
    size_t bad = 0;
    if (!py::valid_utf8(s, &bad))
        throw Error(source + ": " + what + " is not valid UTF-8 (byte " + std::to_string(bad) +
                    "); give the text as UTF-8");
}

std::tm local_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}

}  // namespace

ChatTemplate::ChatTemplate(const std::string& text, std::string source) : source_(std::move(source)) {
    try {
        std::shared_ptr<jinja::Template> parsed = jinja::parse_template(text);
        jinja::fold_constants(*parsed);
        parsed_ = std::move(parsed);
    } catch (const jinja::TemplateFailure& f) {
        rethrow(f, source_);
    }
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                                 const std::map<std::string, std::string>& special_tokens,
                                 const ChatOptions& options) const {
    if (!messages.is_array())
        throw Error(source_ + ": the messages must be a JSON array of {\"role\": ..., \"content\": ...} objects");
    if (!options.extra.is_null() && !options.extra.is_object())
        throw Error(source_ + ": the extra template variables must be a JSON object");
    jinja::RenderInput input;
    try {
        // Keyword arguments as transformers passes them: messages, tools, documents, add_generation_prompt, then
        // the special tokens and the extra arguments (later ones win).
        input.variables.emplace_back("messages", jinja::from_json(messages));
        input.variables.emplace_back("tools", jinja::from_json(options.tools));
        input.variables.emplace_back("documents", jinja::from_json(options.documents));
        input.variables.emplace_back("add_generation_prompt", jinja::Value::boolean(add_generation_prompt));
        for (const auto& [name, token] : special_tokens) {
            check_utf8(token, "the special token " + name, source_);
            input.variables.emplace_back(name, jinja::Value::string(token));
        }
        if (options.enable_thinking)
            input.variables.emplace_back("enable_thinking", jinja::Value::boolean(*options.enable_thinking));
        if (options.date_string) {
            check_utf8(*options.date_string, "date_string", source_);
            input.variables.emplace_back("date_string", jinja::Value::string(*options.date_string));
        }
        if (options.extra.is_object())
            for (const auto& [name, value] : options.extra.items())
                input.variables.emplace_back(name, jinja::from_json(value));
        const std::tm now = options.now ? *options.now : local_now();
        input.strftime_now = [now](const std::string& format) { return python_strftime(format, now); };
        return jinja::render_template(*parsed_, input);
    } catch (const jinja::TemplateFailure& f) {
        rethrow(f, source_);
    }
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                 const std::map<std::string, std::string>& special_tokens,
                                 const ChatOptions& options) const {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (size_t i = 0; i < messages.size(); ++i) {
        check_utf8(messages[i].role, "message " + std::to_string(i + 1) + "'s role", source_);
        check_utf8(messages[i].content, "message " + std::to_string(i + 1) + "'s content", source_);
        list.push_back({{"role", messages[i].role}, {"content", messages[i].content}});
    }
    return render(list, add_generation_prompt, special_tokens, options);
}

std::string render_chat(const std::string& chat_template, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt, const std::map<std::string, std::string>& special_tokens,
                        const ChatOptions& options) {
    return ChatTemplate(chat_template).render(messages, add_generation_prompt, special_tokens, options);
}

std::string render_user_turn(const std::string& chat_template, const std::string& user_text,
                             const std::string& bos_token, const std::string& eos_token, const ChatOptions& options) {
    std::map<std::string, std::string> tokens;
    if (!bos_token.empty()) tokens["bos_token"] = bos_token;
    if (!eos_token.empty()) tokens["eos_token"] = eos_token;
    return render_chat(chat_template, {{"user", user_text}}, true, tokens, options);
}

}  // namespace llms::chat

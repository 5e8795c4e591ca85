// Renders a model's chat template (the Jinja `chat_template` of its tokenizer_config.json) the way Hugging Face
// transformers' apply_chat_template does, byte for byte: the same Jinja settings (trim_blocks, lstrip_blocks, the
// loopcontrols extension, its tojson / raise_exception / strftime_now) and the same variables (messages, tools and
// documents as None unless given, add_generation_prompt, the model's special tokens, extra keyword arguments such
// as enable_thinking or date_string). The interpreter implements the Jinja subset that real chat templates use
// (core/chat/jinja_*.h); a template outside it is refused with an llms::Error naming the construct and its line,
// never rendered differently. Checked against Jinja2 itself on the templates of Llama 3 / 3.1 / 3.2, Qwen2.5,
// Qwen3, SmolLM2 and Mistral-7B-Instruct (tests/test_chat_template.cpp). Torch-free and Qt-free.
#pragma once
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llms::chat {

namespace jinja {
struct Template;
}

struct ChatMessage {
    std::string role;      // "system", "user", "assistant", ...
    std::string content;
};

struct ChatOptions {
    std::optional<bool> enable_thinking;      // Qwen3: false asks for an empty <think></think> block
    std::optional<std::string> date_string;   // Llama 3.x: "26 Jul 2024"; unset, the template asks strftime_now
    nlohmann::ordered_json tools;             // JSON schemas of the tools (an array); null: none
    nlohmann::ordered_json documents;         // for RAG templates; null: none
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();   // more template variables, as given
    std::optional<std::tm> now;               // the clock strftime_now reads (local time); unset: the system's
};

// A parsed chat template: parse once, render many prompts.
class ChatTemplate {
public:
    // Parses `text`. llms::Error "<source>, line N: ..." when the template is not valid Jinja or uses a construct
    // outside the supported subset. `source` names the template in messages (e.g. the tokenizer_config.json path).
    explicit ChatTemplate(const std::string& text, std::string source = "chat template");

    // The prompt for `messages` (a JSON array of message objects: role, content and whatever else the template
    // reads, e.g. tool_calls), as apply_chat_template(messages, tokenize=False, ...) returns it.
    // `special_tokens` are the model's (bos_token, eos_token, ...); a token the model does not have is left out.
    // llms::Error "<source>, line N: ..." when the template raises (raise_exception: its message is in the error),
    // when Jinja would fail on this input too (an undefined value used, ...), or when rendering would leave the
    // supported subset.
    std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                       const std::map<std::string, std::string>& special_tokens, const ChatOptions& options = {}) const;
    std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                       const std::map<std::string, std::string>& special_tokens, const ChatOptions& options = {}) const;

    const std::string& source() const { return source_; }

private:
    std::shared_ptr<const jinja::Template> parsed_;
    std::string source_;
};

// Parses and renders once (see ChatTemplate).
std::string render_chat(const std::string& chat_template, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt, const std::map<std::string, std::string>& special_tokens,
                        const ChatOptions& options = {});

// The common case: one user message and the generation prompt, so that the model's answer follows the assistant
// header. An empty bos_token / eos_token means the model has none (as transformers leaves a null token out).
// The text holds the template's special tokens (e.g. Llama 3's <|begin_of_text|>): tokenize it without adding
// special tokens again, as apply_chat_template(tokenize=True) does. Llama 3.2 writes today's date into the prompt
// unless options.date_string is set.
std::string render_user_turn(const std::string& chat_template, const std::string& user_text,
                             const std::string& bos_token, const std::string& eos_token,
                             const ChatOptions& options = {});

}  // namespace llms::chat

// Where a model folder keeps its chat template, read as transformers reads it: `chat_template.jinja` beside the
// tokenizer files when present (transformers writes it there since 4.43 and it overrides the config), else the
// "chat_template" of tokenizer_config.json: one template as a string, or a list of {"name", "template"} of which
// the one named "default" is used. Files go through core/io's size-capped readers. Torch-free and Qt-free.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace llms::chat {

struct ChatTemplateText {
    std::string text;
    std::filesystem::path file;   // where it was read from
};

// The folder's chat template; nullopt when it has none (no chat_template.jinja, and tokenizer_config.json missing
// or without a "chat_template"). llms::Error naming the file when a file is unreadable, not JSON, or holds a
// chat_template of the wrong shape.
std::optional<ChatTemplateText> read_chat_template(const std::filesystem::path& folder);

// The "chat_template" of a parsed tokenizer_config.json (a string, or the list form, from which `name` is taken).
// nullopt when absent or null. llms::Error naming `source` for another type, a malformed list entry, or a list
// without `name` (the message lists the names it has).
std::optional<std::string> chat_template_from_config(const nlohmann::json& config, const std::string& source,
                                                     const std::string& name = "default");

}  // namespace llms::chat

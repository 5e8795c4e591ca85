#include "core/chat/chat_template_file.h"

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"

#include <system_error>

namespace llms::chat {

namespace fs = std::filesystem;

std::optional<std::string> chat_template_from_config(const nlohmann::json& config, const std::string& source,
                                                     const std::string& name) {
    if (!config.is_object()) return std::nullopt;
    const auto it = config.find("chat_template");
    if (it == config.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_array())
        throw Error(source + ": \"chat_template\" should be a string or a list of {\"name\", \"template\"}, found " +
                    io::json_preview(*it));
    std::string names;
    for (const auto& entry : *it) {
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
            !entry.contains("template") || !entry["template"].is_string())
            throw Error(source +
                        ": each entry of \"chat_template\" should be {\"name\": ..., \"template\": ...}, found " +
                        io::json_preview(entry));
        if (entry["name"].get<std::string>() == name) return entry["template"].get<std::string>();
        names += (names.empty() ? "" : ", ") + entry["name"].get<std::string>();
    }
    throw Error(source + ": \"chat_template\" has no template named \"" + name + "\" (it has: " + names +
                "); name one of them");
}

std::optional<ChatTemplateText> read_chat_template(const fs::path& folder) {
    std::error_code ec;
    const fs::path jinja_file = folder / "chat_template.jinja";
    if (fs::exists(jinja_file, ec))
        return ChatTemplateText{io::read_regular_file(jinja_file, io::kMaxConfigBytes, "chat_template.jinja"),
                                jinja_file};
    const fs::path config_file = folder / "tokenizer_config.json";
    if (!fs::exists(config_file, ec)) return std::nullopt;
    const nlohmann::json config = io::parse_json_input(
        io::read_regular_file(config_file, io::kMaxConfigBytes, "tokenizer_config.json"), config_file.string());
    if (!config.is_object())
        throw Error(config_file.string() + ": expected a JSON object, found " + io::json_preview(config));
    if (auto text = chat_template_from_config(config, config_file.string()))
        return ChatTemplateText{*text, config_file};
    return std::nullopt;
}

}  // namespace llms::chat

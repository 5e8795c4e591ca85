#include "core/chat/chat_prompts.h"

#include "core/chat/chat_template_file.h"

#include <map>
#include <utility>

namespace llms::chat {

ChatFormat::ChatFormat(const std::string& template_text, std::filesystem::path file, std::string bos_token,
                       std::string eos_token, bool tokenizer_adds_bos)
    : template_(std::make_shared<const ChatTemplate>(template_text, file.string())),
      file_(std::move(file)),
      bos_token_(std::move(bos_token)),
      eos_token_(std::move(eos_token)),
      tokenizer_adds_bos_(tokenizer_adds_bos) {}

std::optional<ChatFormat> ChatFormat::from_folder(const std::filesystem::path& dir, const Tokenizer& tok) {
    const auto text = read_chat_template(dir);
    if (!text) return std::nullopt;
    const std::vector<int32_t> probe = tok.encode("a", true);   // does the tokenizer put a BOS before a text?
    const bool adds_bos = tok.bos_id() >= 0 && !probe.empty() && probe.front() == tok.bos_id();
    return ChatFormat(text->text, text->file, tok.bos_id() >= 0 ? tok.piece(tok.bos_id()) : "",
                      tok.eos_id() >= 0 ? tok.piece(tok.eos_id()) : "", adds_bos);
}

std::string ChatFormat::wrap(const std::string& user_text) const {
    std::map<std::string, std::string> tokens;
    if (!bos_token_.empty()) tokens["bos_token"] = bos_token_;
    if (!eos_token_.empty()) tokens["eos_token"] = eos_token_;
    ChatOptions options;
    options.date_string = kFixedDateString;
    std::string text = template_->render(std::vector<ChatMessage>{{"user", user_text}}, true, tokens, options);
    if (tokenizer_adds_bos_ && !bos_token_.empty() && text.compare(0, bos_token_.size(), bos_token_) == 0)
        text.erase(0, bos_token_.size());
    return text;
}

namespace {

std::string without_leading_spaces(const std::string& s) {
    const size_t first = s.find_first_not_of(' ');
    return first == std::string::npos ? s : s.substr(first);
}

}  // namespace

facts::FactSet wrap_fact_prompts(const facts::FactSet& set, const ChatFormat& chat) {
    facts::FactSet out = set;
    for (facts::Fact& f : out.facts) {
        if (f.is_document()) continue;
        f.prompt = chat.wrap(f.prompt);
        for (std::string& p : f.paraphrases) p = chat.wrap(p);
        f.answer = without_leading_spaces(f.answer);
        f.new_answer = without_leading_spaces(f.new_answer);
        for (std::string& o : f.options) o = without_leading_spaces(o);
    }
    return out;
}

}  // namespace llms::chat

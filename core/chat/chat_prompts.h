// Prompts in a model's chat format: an instruct model answers inside its chat template, so a fact's prompt is
// rendered as one user turn plus the generation prompt (chat_template.h), and the trained or probed answer follows
// the assistant header. One ChatFormat per open model (model_loader.h: LoadedModel::chat); wrap_fact_prompts turns
// a fact set into the same set in chat form, which the trainer, the evaluators and the probes then take unchanged.
// Torch-free and Qt-free.
#pragma once
#include "core/chat/chat_template.h"
#include "core/facts/fact_set.h"
#include "core/tokenizer/tokenizer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace llms::chat {

// The date Llama 3.x templates write into the system header. transformers writes today's date; a fixed one (the
// templates' own fallback) keeps a fact set's prompts, and so a surgery run, the same on every day.
inline constexpr const char* kFixedDateString = "26 Jul 2024";

class ChatFormat {
public:
    // The template (parsed now: llms::Error "<file>, line N: ..." when outside the supported subset), the model's
    // BOS / EOS token texts ("" when the model has none) and whether its tokenizer puts the BOS before a text itself.
    ChatFormat(const std::string& template_text, std::filesystem::path file, std::string bos_token,
               std::string eos_token, bool tokenizer_adds_bos);

    // A model folder's chat format with its tokenizer's BOS / EOS texts: nullopt when the folder has no chat
    // template (chat_template_file.h); llms::Error when it has one that cannot be read or parsed.
    static std::optional<ChatFormat> from_folder(const std::filesystem::path& dir, const Tokenizer& tok);

    // `user_text` as the model's chat: one user turn and the generation prompt, rendered as apply_chat_template
    // does (with kFixedDateString), less the leading BOS text when the tokenizer puts a BOS before every text
    // itself (Tokenizer::encode with add_bos): the wrapped prompt goes through the same encode as a plain one and
    // gets one BOS either way, as apply_chat_template(tokenize=True) gives. The template's other special tokens stay
    // in the text; tokenizer.json tokenizers read them as their ids.
    std::string wrap(const std::string& user_text) const;

    const std::filesystem::path& file() const { return file_; }

private:
    std::shared_ptr<const ChatTemplate> template_;
    std::filesystem::path file_;
    std::string bos_token_, eos_token_;
    bool tokenizer_adds_bos_ = false;
};

// The set with every prompt and paraphrase wrapped (documents unchanged), and each answer's leading spaces removed:
// in a chat the answer starts right after the assistant header, not after a space as in a plain continuation.
facts::FactSet wrap_fact_prompts(const facts::FactSet& set, const ChatFormat& chat);

}  // namespace llms::chat

// One tokenizer kind behind llms::Tokenizer (tokenizer.h): SentencePiece's tokenizer.model through the plugin
// (spm_tokenizer.cpp) or a Hugging Face tokenizer.json (hf_tokenizer_backend.cpp). A new kind is a new file
// implementing this interface, not a branch in every method. Torch-free.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llms::tokenizer {

class Backend {
public:
    virtual ~Backend() = default;
    // text's ids; with add_bos, the special tokens this kind puts before a text (Llama's BOS; none for Qwen),
    // never the ones after it (a prompt must not end with EOS).
    virtual std::vector<int32_t> encode(std::string_view text, bool add_bos) const = 0;
    virtual std::string decode(const std::vector<int32_t>& ids) const = 0;   // special tokens skipped
    virtual std::string piece(int32_t id) const = 0;
    virtual int vocab_size() const = 0;
    virtual int bos_id() const = 0;   // -1 when none
    virtual int eos_id() const = 0;   // -1 when none
    virtual int unk_id() const = 0;
    virtual int pad_id() const = 0;
    virtual int byte_value(int32_t id) const = 0;
    virtual std::vector<int32_t> special_suffix() const = 0;   // ids HF's add_special_tokens puts after a text
    virtual std::vector<int32_t> eos_ids() const = 0;   // every id that ends a generation (eos_id first)
    virtual std::string kind() const = 0;                // for the model card
    virtual const std::filesystem::path& model_file() const = 0;
};

std::shared_ptr<const Backend> load_sentencepiece(const std::filesystem::path& model_file);   // spm_tokenizer.cpp
std::shared_ptr<const Backend> load_tokenizer_json(const std::filesystem::path& json_file);   // hf_tokenizer_backend.cpp

}  // namespace llms::tokenizer

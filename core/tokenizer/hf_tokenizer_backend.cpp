// The tokenizer.json kind of tokenizer: HfTokenizer (hf_tokenizer.h) behind llms::Tokenizer. "add_bos" means the
// special tokens the file's post-processor (or tokenizer_config.json) puts before a text: Llama 3's
// <|begin_of_text|>, nothing for Qwen; never the ones after it.
#include "core/tokenizer/hf_tokenizer.h"
#include "core/tokenizer/tokenizer_backend.h"

namespace llms::tokenizer {

namespace {

class HfTokenizerBackend final : public Backend {
public:
    explicit HfTokenizerBackend(HfTokenizer t) : t_(std::move(t)), prefix_(t_.special_prefix()) {}

    std::vector<int32_t> encode(std::string_view text, bool add_bos) const override {
        std::vector<int32_t> ids = t_.encode(text, /*add_special_tokens=*/false);
        if (add_bos) ids.insert(ids.begin(), prefix_.begin(), prefix_.end());
        return ids;
    }
    std::string decode(const std::vector<int32_t>& ids) const override { return t_.decode(ids, true); }
    std::string piece(int32_t id) const override { return t_.piece(id); }
    int vocab_size() const override { return t_.vocab_size(); }
    int bos_id() const override { return t_.bos_id(); }
    int eos_id() const override { return t_.eos_id(); }
    int unk_id() const override { return t_.unk_id(); }
    int pad_id() const override { return t_.pad_id(); }
    int byte_value(int32_t id) const override { return t_.byte_value(id); }
    std::vector<int32_t> special_suffix() const override { return t_.special_suffix(); }
    std::vector<int32_t> eos_ids() const override { return t_.eos_ids(); }
    std::string kind() const override { return t_.kind() + " (tokenizer.json)"; }
    const std::filesystem::path& model_file() const override { return t_.model_file(); }

private:
    HfTokenizer t_;
    std::vector<int32_t> prefix_;
};

}  // namespace

std::shared_ptr<const Backend> load_tokenizer_json(const std::filesystem::path& json_file) {
    return std::make_shared<HfTokenizerBackend>(HfTokenizer::load(json_file));
}

}  // namespace llms::tokenizer

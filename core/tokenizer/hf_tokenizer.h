// A tokenizer read from a Hugging Face tokenizer.json, with the ids the Hugging Face tokenizers library gives
// (checked against it on real files: tests/test_hf_tokenizer.cpp). Torch-free and Qt-free; the public API mirrors
// the SentencePiece Tokenizer (tokenizer.h) so both can sit behind one interface.
//
// Supported: model BPE (byte-level as in GPT-2 / Llama 3 / Qwen2, or SentencePiece-style with byte fallback and
// fuse_unk); normalizers NFC NFD NFKC NFKD Sequence Replace Prepend Strip; pre-tokenizers Sequence Split ByteLevel
// Metaspace Digits; added tokens with special / lstrip / rstrip / normalized / single_word; post-processors
// TemplateProcessing ByteLevel Sequence; decoders ByteLevel Metaspace ByteFallback Fuse Strip Replace Sequence.
// Anything else in the file is refused with an llms::Error naming the file and the component, never approximated.
// tokenizer_config.json and generation_config.json beside the file, when present, name the special tokens.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llms {

class HfTokenizer {
public:
    // Reads tokenizer.json (size-capped, depth-limited JSON) and the config files beside it. llms::Error naming
    // the file and what is wrong or unsupported.
    static HfTokenizer load(const std::filesystem::path& tokenizer_json);

    // HF encode(text, add_special_tokens): with add_special_tokens the post-processor adds its special tokens
    // (e.g. BOS), or, when tokenizer_config.json sets add_bos_token / add_eos_token, [BOS] text [EOS] as those
    // say (as transformers does). llms::Error when text is not valid UTF-8.
    std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
    // HF decode(ids, skip_special_tokens). llms::Error for an id outside [0, vocab_size()) or not assigned
    // (HF drops such ids silently).
    std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;
    std::string piece(int32_t id) const;   // the token's text in the vocabulary ("Ġthe", "▁Paris", "<0x0A>")
    int vocab_size() const;                // highest id + 1, added tokens included
    int bos_id() const;                    // -1 when none (tokenizer_config.json, else generation_config.json)
    int eos_id() const;                    // -1 when none
    int unk_id() const;                    // -1 when none
    int pad_id() const;                    // -1 when none
    int byte_value(int32_t id) const;      // 0..255 for a byte-fallback piece <0xNN>, else -1
    const std::filesystem::path& model_file() const;

    // Beyond the SentencePiece tokenizer's API:
    std::vector<int32_t> eos_ids() const;          // eos_id() then generation_config.json's eos_token_id list
    std::vector<int32_t> special_prefix() const;   // ids encode(.., true) puts before the text
    std::vector<int32_t> special_suffix() const;   // ids encode(.., true) puts after the text
    int token_id(std::string_view token) const;    // an added token's or the vocabulary's id; -1 when none
    bool is_special(int32_t id) const;             // an added token marked special (decode skips it)
    std::string kind() const;                      // for the model card: "byte-level BPE", ...

    struct Impl;

private:
    std::shared_ptr<const Impl> impl_;
};

}  // namespace llms

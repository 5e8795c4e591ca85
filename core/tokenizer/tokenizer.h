// A model's tokenizer, of one of two kinds (tokenizer_backend.h): SentencePiece's tokenizer.model (Llama 2,
// Mistral, the demo model; libsentencepiece lives in a plugin, libllms_spm.so, opened with
// dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND): linked together with libtorch its protobuf clashes), or a Hugging
// Face tokenizer.json (Llama 3, Qwen, SmolLM2: hf_tokenizer.h). Each follows its own conventions: a BOS only
// where the tokenizer puts one. Torch-free.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llms {

struct TokenizerTrainOptions {
    std::filesystem::path input;         // plain-text corpus, one sentence / paragraph per line
    std::filesystem::path model_prefix;  // writes <prefix>.model and <prefix>.vocab
    int vocab_size = 2048;
    std::string model_type = "bpe";      // Llama uses BPE
    bool byte_fallback = true;
    double character_coverage = 0.9995;
    int num_threads = 2;
    uint32_t seed = 0;                   // SentencePiece training is deterministic for fixed input/threads
    size_t input_sentence_size = 0;      // 0 = all lines
    bool verbose = false;                // SentencePiece's training log on stderr
};

namespace tokenizer {
class Backend;
}

class Tokenizer {
public:
    // Loads a tokenizer.json (by its extension) or a SentencePiece tokenizer.model (through the plugin). Throws
    // llms::Error if the plugin or the file is missing, unreadable or unsupported, saying which and how to fix it.
    static Tokenizer load(const std::filesystem::path& file);
    // A model folder's tokenizer: tokenizer.json when present (*note then says so when tokenizer.model is there
    // too), else tokenizer.model. llms::Error when the folder has neither.
    static Tokenizer load_folder(const std::filesystem::path& dir, std::string* note = nullptr);
    static bool folder_has_tokenizer(const std::filesystem::path& dir);
    // Trains with Llama's conventions (BPE, byte fallback, split digits, dummy prefix, identity
    // normalization, unk 0 / bos 1 / eos 2 / no pad); deterministic for the same input and options.
    static void train(const TokenizerTrainOptions& options);
    // The plugin path in use (env LLMS_SPM_PLUGIN, beside the executable, ../lib/llm-surgery).
    static std::filesystem::path plugin_path();

    // The text's ids; with add_bos, the special tokens the tokenizer puts before a text ([BOS] for Llama, none for
    // Qwen), never those after it.
    std::vector<int32_t> encode(std::string_view text, bool add_bos = true) const;
    // The ids as the model's own pipeline gives them for one text (Hugging Face add_special_tokens=True): the
    // special tokens before it (encode with add_bos) and after it (an EOS where tokenizer_config.json says so).
    std::vector<int32_t> encode_with_special_tokens(std::string_view text) const;
    // Skips special (BOS/EOS/control) ids; throws llms::Error for an id outside [0, vocab_size()).
    std::string decode(const std::vector<int32_t>& ids) const;
    std::string piece(int32_t id) const;                         // raw piece text ("▁Paris", "<0x0A>")
    int vocab_size() const;
    int bos_id() const;
    int eos_id() const;
    int unk_id() const;
    int pad_id() const;                                          // -1 when none
    int byte_value(int32_t id) const;                            // 0..255 for a byte-fallback piece <0xNN>, else -1
    std::vector<int32_t> eos_ids() const;                        // every id that ends a generation, eos_id() first
    std::string kind() const;                                    // "SentencePiece (tokenizer.model)", ...
    const std::filesystem::path& model_file() const;

    explicit Tokenizer(std::shared_ptr<const tokenizer::Backend> backend);

private:
    std::shared_ptr<const tokenizer::Backend> impl_;
};

// Streams text out of a growing id sequence: each push returns only the newly completed text,
// so multi-byte characters split over byte-fallback tokens are never printed half-done.
class StreamingDecoder {
public:
    explicit StreamingDecoder(const Tokenizer& tok) : tok_(tok) {}
    std::string push(int32_t id);
private:
    const Tokenizer& tok_;
    std::vector<int32_t> ids_;
    size_t emitted_ = 0;   // bytes of decode(ids_) already returned
};

}  // namespace llms

// SentencePiece tokenizer with the Llama conventions (BOS prepended, byte fallback, dummy prefix).
// Torch-free. libsentencepiece lives in a plugin (libllms_spm.so) opened with
// dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND): linked together with libtorch its protobuf clashes.
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

class Tokenizer {
public:
    // Loads tokenizer.model through the plugin. Throws llms::Error if the plugin or the file is
    // missing or unreadable, saying which and how to fix it.
    static Tokenizer load(const std::filesystem::path& model_file);
    // Trains with Llama's conventions (BPE, byte fallback, split digits, dummy prefix, identity
    // normalization, unk 0 / bos 1 / eos 2 / no pad); deterministic for the same input and options.
    static void train(const TokenizerTrainOptions& options);
    // The plugin path in use (env LLMS_SPM_PLUGIN, beside the executable, ../lib/llm-surgery, build dir).
    static std::filesystem::path plugin_path();

    // [BOS] + sp.Encode(text) (the model file's normalizer applies); no BOS when the model has none.
    std::vector<int32_t> encode(std::string_view text, bool add_bos = true) const;
    // Skips BOS/EOS/control ids; throws llms::Error for an id outside [0, vocab_size()).
    std::string decode(const std::vector<int32_t>& ids) const;
    std::string piece(int32_t id) const;                         // raw piece text ("▁Paris", "<0x0A>")
    int vocab_size() const;
    int bos_id() const;
    int eos_id() const;
    int unk_id() const;
    int pad_id() const;                                          // -1 when none
    int byte_value(int32_t id) const;                            // 0..255 for a byte-fallback piece <0xNN>, else -1
    const std::filesystem::path& model_file() const;

    struct Impl;
private:
    std::shared_ptr<const Impl> impl_;
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

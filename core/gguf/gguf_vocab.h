// A model folder's tokenizer as GGUF metadata (tokenizer.ggml.*), as llama.cpp's converter writes it:
// SentencePiece's tokenizer.model as the "llama" model (pieces, scores, types from the file itself), a byte-level
// BPE tokenizer.json as the "gpt2" model (tokens, types, merges, and the pre-tokenizer llama.cpp must apply:
// "llama-bpe" for Llama 3, "qwen2" for Qwen2 / 2.5 / 3). Special ids and the add-BOS flag from the loaded tokenizer;
// the chat template from the folder. The token list has exactly vocab_size entries (config.json), padded with
// unused "[PAD<i>]" tokens where the tokenizer has fewer. Torch-free.
#pragma once
#include "core/gguf/gguf_metadata.h"

#include <filesystem>

namespace llms {
class Tokenizer;
}

namespace llms::gguf {

// llms::Error naming the file when its tokenizer is not one llama.cpp would read the same way.
void add_tokenizer_metadata(Metadata& md, const std::filesystem::path& model_dir, const Tokenizer& tok,
                            int64_t vocab_size);

}  // namespace llms::gguf

// The "decoder" of a tokenizer.json: turns the tokens of some ids back into text (Hugging Face tokenizers'
// decoders). Supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence. Others are refused
// when the file is read.
#pragma once
#include "core/tokenizer/hf_json.h"

#include <memory>
#include <string>
#include <vector>

namespace llms::hf {

class Decoder {
public:
    virtual ~Decoder() = default;
    // HF decode_chain: rewrites the list of token texts (a decoder may join them into fewer).
    virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// `spec` is the file's "decoder" object (not null); `where` names the file for messages.
std::unique_ptr<Decoder> make_decoder(const json& spec, const std::string& where);

}  // namespace llms::hf

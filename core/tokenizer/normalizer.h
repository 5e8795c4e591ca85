// The "normalizer" of a tokenizer.json: rewrites each stretch of text between added tokens before it is split
// (Hugging Face tokenizers' normalizers/*.rs). Supported: NFC, NFD, NFKC, NFKD (through ICU's Normalizer2),
// Sequence, Replace (string or regex), Prepend, Strip. Others are refused when the file is read.
#pragma once
#include "core/tokenizer/hf_json.h"

#include <memory>
#include <string>

namespace llms::hf {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    // s is valid UTF-8 and stays so.
    virtual void normalize(std::string& s) const = 0;
};

// `spec` is the file's "normalizer" object (not null); `where` names the file for messages.
std::unique_ptr<Normalizer> make_normalizer(const json& spec, const std::string& where);

}  // namespace llms::hf

// The "post_processor" of a tokenizer.json: adds the special tokens around an encoded text when the caller asks
// for them (HF encode(.., add_special_tokens=True)). Supported: TemplateProcessing (its "single" template),
// ByteLevel (adds nothing; it only trims offsets), Sequence. Others (Bert, Roberta) are refused when read.
#pragma once
#include "core/tokenizer/hf_json.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llms::hf {

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    virtual void process(std::vector<int32_t>& ids, bool add_special_tokens) const = 0;
};

// `spec` is the file's "post_processor" object (not null); `where` names the file for messages.
std::unique_ptr<PostProcessor> make_post_processor(const json& spec, const std::string& where);

// The template "prefix $A suffix" that transformers builds from tokenizer_config.json's add_bos_token /
// add_eos_token.
std::unique_ptr<PostProcessor> make_bos_eos_template(std::vector<int32_t> prefix, std::vector<int32_t> suffix);

}  // namespace llms::hf

// The two small files beside a tokenizer.json that say which tokens are special for the model:
// tokenizer_config.json (bos_token, eos_token, pad_token, unk_token, add_bos_token, add_eos_token) and
// generation_config.json (bos_token_id, eos_token_id as one id or a list, pad_token_id). Both are optional.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace llms::hf {

// A token named in tokenizer_config.json: absent, set to null, or given by its text.
struct NamedToken {
    bool given = false;     // the key is in the file
    std::string content;    // empty when the key is null
};

struct TokenizerConfig {
    std::filesystem::path tokenizer_config_file;    // empty when there is none
    std::filesystem::path generation_config_file;   // empty when there is none
    NamedToken bos, eos, pad, unk;
    std::optional<bool> add_bos_token, add_eos_token;
    std::vector<int32_t> generation_eos;            // generation_config.json eos_token_id (one or a list)
    std::optional<int32_t> generation_bos, generation_pad;
};

// Reads the files in `folder` that exist. llms::Error naming the file and the field when one is unreadable,
// not JSON, or has a field of the wrong type.
TokenizerConfig read_tokenizer_config(const std::filesystem::path& folder);

}  // namespace llms::hf

// The "pre_tokenizer" of a tokenizer.json: splits the text into the words the model tokenizes one by one
// (Hugging Face tokenizers' pre_tokenizers/*.rs). Supported: Sequence, Split (regex or string, every split
// behaviour, invert), ByteLevel (GPT-2 regex optional, prefix space, bytes to the byte-level alphabet), Metaspace
// (replacement, prepend_scheme always/first/never, split), Digits. Others are refused when the file is read.
#pragma once
#include "core/tokenizer/hf_json.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llms::hf {

// One part of the text on its way to the model: text still to split and tokenize, or an added token already
// recognised in the text (id >= 0), which splitting and the model leave alone.
struct TextPiece {
    std::string text;
    int32_t id = -1;
    bool at_start = false;   // begins at offset 0 of the original text (Metaspace "first" prepends only there)
};

// What a split does with the delimiters it finds (HF SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Splits `piece` at `matches` (sorted, non-overlapping [start, end) byte ranges, flagged true; the gaps between
// them flagged false, or the other way round with `invert`) as `behavior` says; appends the non-empty parts.
void split_piece(const TextPiece& piece, const std::vector<std::pair<size_t, size_t>>& matches, bool invert,
                 SplitBehavior behavior, std::vector<TextPiece>& out);

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Splits (and may rewrite) every piece that is still text; empty pieces are dropped.
    virtual void pre_tokenize(std::vector<TextPiece>& pieces) const = 0;
};

// `spec` is the file's "pre_tokenizer" object (not null); `where` names the file for messages.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& spec, const std::string& where);

}  // namespace llms::hf

// Fuzzes tokenizer.json: the input is written as tokenizer.json into a private temporary folder (no
// tokenizer_config.json beside it) and read with HfTokenizer::load (size-capped, depth-limited JSON; model, vocab,
// merges, added tokens, normalizer, pre-tokenizer, post-processor and decoder, each one checked or refused), which
// must return or throw llms::Error. An accepted tokenizer then tokenizes fixed valid UTF-8 texts (ASCII, whitespace runs,
// CJK, Arabic, emoji, special-token strings) with and without special tokens: every id must lie in
// [0, vocab_size()), piece() must answer for each, and decode must take back what encode gave. Torch-free; links PCRE2 and ICU as the product does.
#include "core/common/error.h"
#include "core/tokenizer/hf_tokenizer.h"
#include "fuzz/fuzz_common.h"

#include <string>
#include <vector>

using namespace llms;

namespace {

const char* const kTexts[] = {
    "",
    "Hello world! The capital of France is Paris.",
    "  leading and trailing spaces  \n\n\ttabs\r\nand CRLF   ",
    "numbers 1234567 3.14159 and contractions: don't, I'll, we've",
    "\xe4\xb8\xad\xe6\x96\x87 \xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9 "
    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xe2\x80\x8d \xef\xac\x81 e\xcc\x81",
    "<s></s><unk><|begin_of_text|><|endoftext|><|im_start|>user",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fuzz::TempDir dir("tokenizer-json");
    const auto file = dir.path() / "tokenizer.json";
    fuzz::write_file(file, data, size);
    HfTokenizer tok;
    try {
        tok = HfTokenizer::load(file);
    } catch (const Error& e) {
        fuzz::refused(e);
        return 0;
    }
    fuzz::accepted();
    const int vocab = tok.vocab_size();
    fuzz::check(vocab > 0, "accepted a tokenizer without a vocabulary");
    for (const char* text : kTexts) {
        for (const bool special : {false, true}) {
            std::vector<int32_t> ids;
            try {
                ids = tok.encode(text, special);
            } catch (const Error& e) {
                // The model may refuse a text it cannot represent (no unk token, no byte fallback): a clean refusal.
                fuzz::refused(e);
                continue;
            }
            for (const int32_t id : ids) {
                fuzz::check(id >= 0 && id < vocab, "encode gave an id outside [0, vocab_size())");
                (void)tok.piece(id);
            }
            try {
                (void)tok.decode(ids, false);
                (void)tok.decode(ids, true);
            } catch (const Error& e) {
                fuzz::fail((std::string("decode refuses ids that encode gave: ") + e.what()).c_str());
            }
        }
    }
    return 0;
}

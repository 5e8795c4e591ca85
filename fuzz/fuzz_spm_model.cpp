// Fuzzes the structural check of tokenizer.model: the input goes to tokenizer::check_spm_model_bytes (protobuf
// wire format within bounds, piece lengths, the precompiled_charsmap's double-array trie and strings), which must
// return or throw llms::Error. Built where libsentencepiece is found (LLMS_FUZZ_WITH_SENTENCEPIECE), every model
// the check accepts is then loaded by libsentencepiece and used to encode a fixed text, as the tokenizer plugin
// would (exceptions are caught, as the plugin catches them): a crash there (google/sentencepiece#1263, #1269 and the
// like) is a model the check should have refused.
// Torch-free.
#include "core/common/error.h"
#include "core/tokenizer/spm_model_check.h"
#include "fuzz/fuzz_common.h"

#include <string>
#include <string_view>
#include <vector>

#ifdef LLMS_FUZZ_WITH_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        tokenizer::check_spm_model_bytes(bytes, "tokenizer.model");
    } catch (const Error& e) {
        fuzz::refused(e);
        return 0;
    }
    fuzz::accepted();
#ifdef LLMS_FUZZ_WITH_SENTENCEPIECE
    static const std::string text = [] {
        // ASCII, spaces and controls, and characters NFKC rewrites (full-width, ligatures, circled digits, accents).
        std::string t = "Hello World! The capital of France is Paris. \t  x\r\n";
        for (int c = 1; c < 128; ++c) t += static_cast<char>(c);
        t += "\xEF\xBC\xA8\xEF\xBD\x85\xEF\xAC\x81 \xE2\x91\xA0 e\xCC\x81 \xC3\xA9 \xE3\x80\x80 \xF0\x9F\x98\x80 \xE2\x84\xA2";
        return t;
    }();
    // The plugin (core/tokenizer/spm_plugin.cpp) catches every C++ exception the library throws (e.g. darts-clone's
    // "zero-length key" for an empty piece) and reports it as an error: only what no catch contains is a finding.
    try {
        sentencepiece::SentencePieceProcessor sp;
        if (sp.LoadFromSerializedProto(bytes).ok()) {
            std::vector<int> ids;
            (void)sp.Encode(text, &ids);
            std::string back;
            (void)sp.Decode(ids, &back);
        }
    } catch (...) {
    }
#endif
    return 0;
}

// A structural check of a SentencePiece tokenizer.model before libsentencepiece parses it. The library trusts
// the file: a piece of 100 KB overflows its stack at load (google/sentencepiece#1263), and a crafted
// precompiled_charsmap makes its double-array trie walk read outside the blob on the first Encode (#1269), both
// a SIGSEGV no try/catch contains. This walks the protobuf wire format of ModelProto within bounds (pieces = 1,
// trainer_spec = 2, normalizer_spec = 3, self_test_data = 4, denormalizer_spec = 5), refuses over-long pieces,
// and checks every trie node the normalizer can reach and every string it can point at. Torch-free, no
// protobuf dependency.
#pragma once
#include <string>
#include <string_view>

namespace llms::tokenizer {

inline constexpr size_t kMaxPieceBytes = 4096;   // real pieces are under 100 bytes

// llms::Error naming `path` and the problem when `bytes` is not a well-formed ModelProto this check accepts.
void check_spm_model_bytes(std::string_view bytes, const std::string& path);

}  // namespace llms::tokenizer

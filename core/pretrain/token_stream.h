// The training data of pretraining: every line of a text file tokenized as [BOS] + ids + [EOS] and packed
// into one stream, and a seeded sampler of fixed-size windows that start at line starts (so a window opens
// the way a prompt does: BOS first). Torch-free.
#pragma once
#include "core/tokenizer/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

namespace llms::pretrain {

struct TokenStream {
    std::vector<int32_t> ids;            // all lines, packed: [BOS] a b c [EOS] [BOS] d e [EOS] ...
    std::vector<int64_t> line_starts;    // index in ids of each line's BOS
};

// Empty lines are skipped. llms::Error if the file cannot be read. Returns early (partial stream) once
// *stop is set.
TokenStream tokenize_lines(const Tokenizer& tok, const std::filesystem::path& text_file,
                           const std::atomic<bool>* stop = nullptr);

// Draws window starts: a line start s with s + window <= ids.size(), uniformly, from std::mt19937_64 with
// a hand-written bounded draw (the same sequence with every standard library).
class WindowSampler {
public:
    // llms::Error when the stream is shorter than one window.
    WindowSampler(const TokenStream& stream, int64_t window, uint64_t seed);
    int64_t next();
    size_t candidates() const { return starts_.size(); }

private:
    std::vector<int64_t> starts_;
    std::mt19937_64 rng_;
};

}  // namespace llms::pretrain

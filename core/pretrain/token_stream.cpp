#include "core/pretrain/token_stream.h"

#include "core/common/error.h"

#include <fstream>
#include <string>

namespace llms::pretrain {

TokenStream tokenize_lines(const Tokenizer& tok, const std::filesystem::path& text_file, const std::atomic<bool>* stop) {
    std::ifstream in(text_file, std::ios::binary);
    if (!in) throw Error("cannot read " + text_file.string() + ": check that the corpus folder is complete (rebuild it with `llm-surgery-cli corpus`)");
    TokenStream s;
    const int bos = tok.bos_id(), eos = tok.eos_id();
    std::string line;
    while (std::getline(in, line)) {
        if (stop && stop->load()) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        s.line_starts.push_back(static_cast<int64_t>(s.ids.size()));
        if (bos >= 0) s.ids.push_back(bos);
        const auto ids = tok.encode(line, /*add_bos=*/false);
        s.ids.insert(s.ids.end(), ids.begin(), ids.end());
        if (eos >= 0) s.ids.push_back(eos);
    }
    if (in.bad()) throw Error("reading " + text_file.string() + " failed (I/O error)");
    return s;
}

WindowSampler::WindowSampler(const TokenStream& stream, int64_t window, uint64_t seed) : rng_(seed) {
    const int64_t n = static_cast<int64_t>(stream.ids.size());
    for (int64_t s : stream.line_starts)
        if (s + window <= n) starts_.push_back(s);
    if (starts_.empty())
        throw Error("the training text is too short: " + std::to_string(n) + " tokens, one window needs " +
                    std::to_string(window) + "; use a larger corpus");
}

int64_t WindowSampler::next() {
    // Lemire's multiply-shift: uniform enough for sampling (bias < n / 2^64) and identical everywhere.
    const unsigned __int128 r = static_cast<unsigned __int128>(rng_()) * starts_.size();
    return starts_[static_cast<size_t>(r >> 64)];
}

}  // namespace llms::pretrain

// Reproducible randomness for the corpus: std::mt19937_64 (its output sequence is fixed by the C++
// standard) with draws written out by hand, because std::uniform_int_distribution and std::shuffle
// differ between standard libraries. Each purpose gets its own stream, so changing how many draws
// one step makes leaves the others unchanged.
#pragma once
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace llms::corpus {

class SeededRng {
public:
    SeededRng(uint64_t seed, std::string_view stream) : gen_(mix(seed, stream)) {}

    // Uniform in [0, n), n > 0, without modulo bias (rejection of the incomplete top range).
    uint64_t below(uint64_t n) {
        const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
        uint64_t x;
        do x = gen_();
        while (x >= limit);
        return x % n;
    }

    // Fisher-Yates, last to first.
    template <typename T>
    void shuffle(std::vector<T>& v) {
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    // FNV-1a of the stream name, folded into the seed with splitmix64's finalizer.
    static uint64_t mix(uint64_t seed, std::string_view stream) {
        uint64_t h = 1469598103934665603ull;
        for (unsigned char c : stream) h = (h ^ c) * 1099511628211ull;
        uint64_t z = seed ^ h;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::mt19937_64 gen_;
};

}  // namespace llms::corpus

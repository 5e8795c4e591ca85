// Throughput of HfTokenizer (core/tokenizer/hf_tokenizer.h) on one core: encodes the first --bytes bytes of the
// given text files as one text, once with an empty word cache (a fresh tokenizer) and then --repeat times with
// the cache warm, then decodes the ids. Prints MB/s (1 MB = 10^6 bytes). Built and run by hf_tokenizer_bench.sh.
//
//   hf_tokenizer_bench TOKENIZER_JSON TEXT_FILE... [--bytes N] [--repeat R]
#include "core/common/error.h"
#include "core/tokenizer/hf_tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    size_t bytes = 1u << 20;
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--bytes" && i + 1 < argc) bytes = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--repeat" && i + 1 < argc) repeat = std::atoi(argv[++i]);
        else files.push_back(a);
    }
    if (files.size() < 2) {
        std::fprintf(stderr, "usage: hf_tokenizer_bench TOKENIZER_JSON TEXT_FILE... [--bytes N] [--repeat R]\n");
        return 2;
    }
    std::string text;
    for (size_t k = 1; k < files.size() && text.size() < bytes; ++k) {
        std::ifstream f(files[k], std::ios::binary);
        if (!f) {
            std::fprintf(stderr, "cannot read %s\n", files[k].c_str());
            return 1;
        }
        text.append(std::istreambuf_iterator<char>(f), {});
    }
    if (text.size() > bytes) {
        text.resize(bytes);
        while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
        if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();   // a cut character
    }
    try {
        auto t0 = std::chrono::steady_clock::now();
        const llms::HfTokenizer tok = llms::HfTokenizer::load(files[0]);
        const double load_s = seconds_since(t0);
        const double mb = static_cast<double>(text.size()) / 1e6;

        t0 = std::chrono::steady_clock::now();
        std::vector<int32_t> ids = tok.encode(text, false);
        const double cold_s = seconds_since(t0);
        double warm_s = 1e30;
        for (int r = 0; r < repeat; ++r) {
            t0 = std::chrono::steady_clock::now();
            ids = tok.encode(text, false);
            warm_s = std::min(warm_s, seconds_since(t0));
        }
        t0 = std::chrono::steady_clock::now();
        const std::string back = tok.decode(ids, false);
        const double decode_s = seconds_since(t0);
        std::printf("%s (%s): load %.2f s; %.3f MB -> %zu tokens; encode cold %.3f s (%.1f MB/s), warm %.3f s "
                    "(%.1f MB/s); decode %.3f s; round trip %s\n",
                    files[0].c_str(), tok.kind().c_str(), load_s, mb, ids.size(), cold_s, mb / cold_s, warm_s,
                    mb / warm_s, decode_s, back == text ? "exact" : "differs (lossy normalizer)");
    } catch (const llms::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}

// Replays fuzz corpora without libFuzzer: calls the harness's LLVMFuzzerTestOneInput once on every file of the
// folders (or files) given, in name order. Linked into replay_<name> for CTest (fuzz_replay_<name>), so an input
// that once crashed a harness stays a regression test in the ordinary (gcc) build. A crash, a sanitizer report or
// an exception other than llms::Error ends the run with a failure; an empty or missing folder is a failure too.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        const fs::path p = argv[i];
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(p, ec))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "%s: no such file or folder\n", p.c_str());
            return 2;
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "no corpus files found\n");
        return 2;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            std::fprintf(stderr, "%s: cannot read\n", f.c_str());
            return 2;
        }
        std::fprintf(stderr, "replay %s (%zu bytes)\n", f.c_str(), bytes.size());
        // A copy in its own allocation, exactly `size` bytes long, so ASan sees any read past the end.
        std::vector<uint8_t> buf(bytes.begin(), bytes.end());
        LLVMFuzzerTestOneInput(buf.empty() ? nullptr : buf.data(), buf.size());
    }
    std::fprintf(stderr, "replayed %zu inputs: no crash\n", files.size());
    return 0;
}

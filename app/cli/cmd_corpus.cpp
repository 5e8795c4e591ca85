// llm-surgery-cli corpus --out DIR [--data DIR] [--preset demo|tiny] [--seed S] [--json]
#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/corpus/world_corpus.h"
#include "core/pretrain/demo_model.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

namespace llms::cli {
namespace {

namespace fs = std::filesystem;

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    a.check_known({"out", "data", "preset", "seed", "json"});
    if (!a.positional().empty()) throw Error("unexpected argument \"" + a.positional()[0] + "\" (see --help)");
    corpus::CorpusOptions o;
    o.data_dir = a.has("data") ? fs::path(a.get("data")) : pretrain::find_world_data();   // --data overrides
    o.preset = a.get("preset", "demo");
    o.seed = a.get_u64("seed", o.seed);
    const fs::path out = a.require("out");
    const corpus::CorpusStats s = corpus::build_world_corpus(o, out);

    const double tokens = static_cast<double>(s.train_chars) / 4.0;   // rough: ~4 chars per token
    if (a.flag("json")) {
        nlohmann::json j = {{"out", out.string()},         {"data", o.data_dir.string()},
                            {"preset", o.preset},          {"seed", o.seed},
                            {"facts", s.facts},            {"per_relation", s.per_relation},
                            {"train_lines", s.train_lines}, {"train_chars", s.train_chars},
                            {"fact_chars", s.fact_chars},  {"prose_chars", s.prose_chars},
                            {"heldout_lines", s.heldout_lines}, {"heldout_chars", s.heldout_chars},
                            {"train_tokens_estimate", static_cast<long long>(tokens)}};
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::printf("world corpus  preset %s, seed %llu, data %s\n", o.preset.c_str(), (unsigned long long)o.seed,
                o.data_dir.string().c_str());
    std::printf("facts         %zu:", s.facts);
    for (const auto& [r, n] : s.per_relation) std::printf(" %s %zu", r.c_str(), n);
    std::printf("\n");
    std::printf("train.txt     %zu lines, %zu chars (~%.0fk tokens at 4 chars/token); facts %.0f%%, prose %.0f%%\n",
                s.train_lines, s.train_chars, tokens / 1000.0,
                s.train_chars ? 100.0 * static_cast<double>(s.fact_chars) / static_cast<double>(s.train_chars) : 0.0,
                s.train_chars ? 100.0 * static_cast<double>(s.prose_chars) / static_cast<double>(s.train_chars) : 0.0);
    std::printf("heldout.txt   %zu lines, %zu chars\n", s.heldout_lines, s.heldout_chars);
    std::printf("written       %s/{train.txt, heldout.txt, facts.jsonl, corpus.json}\n", out.string().c_str());
    return 0;
}

CommandRegistrar reg({"corpus", "build the demo world's training corpus and its fact set",
                      "usage: llm-surgery-cli corpus --out DIR [--data DIR] [--preset demo|tiny] [--seed S] [--json]\n\n"
                      "Writes DIR/train.txt, heldout.txt, facts.jsonl (every fact taught) and corpus.json from the\n"
                      "openly licensed world data. The same options always give byte-identical files.\n"
                      "  --out DIR      output folder (created if needed)\n"
                      "  --data DIR     world data folder (default: the shipped one, ../share/llm-surgery/world\n"
                      "                 beside the program)\n"
                      "  --preset NAME  demo (~1,700 facts, ~1.2 MB) or tiny (50 facts, ~45 KB); default demo\n"
                      "  --seed S       shuffles, subsets and options (default 1234)\n"
                      "  --json         print the statistics as JSON\n",
                      run});

}  // namespace
}  // namespace llms::cli

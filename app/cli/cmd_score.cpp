// llm-surgery-cli score MODEL_DIR (--text TEXT | --ids 1,2,3) [--json]
#include "app/cli/model_options.h"
#include "core/eval/score.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace llms::cli {
namespace {

std::vector<int32_t> parse_ids(const std::string& s) {
    std::vector<int32_t> ids;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        try {
            size_t used = 0;
            long v = std::stol(item, &used);
            if (used != item.size() || v < 0 || v > INT32_MAX) throw std::invalid_argument("");
            ids.push_back((int32_t)v);
        } catch (const std::exception&) {
            throw Error("--ids expects comma-separated non-negative integers, got \"" + item + "\"");
        }
    }
    return ids;
}

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    auto known = kModelOptions;
    known.insert({"text", "ids", "json"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    if (a.has("text") == a.has("ids")) throw Error("give exactly one of --text or --ids");
    auto m = load_for_cli(a, a.positional()[0], a.has("text"));
    const auto ids = a.has("text") ? m.tok().encode(a.get("text")) : parse_ids(a.get("ids"));
    const auto scores = score_tokens(m.net, ids);
    const auto& lp = scores.logprobs;
    double nll = 0;
    for (float v : lp) nll -= v;
    if (a.flag("json")) {
        std::cout << nlohmann::json({{"ids", ids}, {"logprobs", lp}, {"nll_sum", nll}, {"top1", scores.top1}}).dump() << "\n";
        return 0;
    }
    for (size_t i = 0; i < lp.size(); ++i) {
        std::string piece = m.tokenizer ? m.tokenizer->piece(ids[i + 1]) : std::to_string(ids[i + 1]);
        std::printf("%6d %-16s %9.4f\n", ids[i + 1], piece.c_str(), lp[i]);
    }
    std::printf("nll_sum %.6f over %zu tokens (perplexity %.3f)\n", nll, lp.size(), std::exp(nll / lp.size()));
    return 0;
}

CommandRegistrar reg({"score", "per-token log-probabilities of a text or id sequence",
                      std::string("usage: llm-surgery-cli score MODEL_DIR (--text TEXT | --ids 1,2,3) [--json]\n\n"
                                  "  logprobs[i] = log p(ids[i+1] | ids[0..i]); with --text, BOS is prepended.\n"
                                  "  --json   print {ids, logprobs, nll_sum}\n") +
                          kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli

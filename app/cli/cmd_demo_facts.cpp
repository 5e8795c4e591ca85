// llm-surgery-cli demo-facts --known FILE --out FILE [--seed S]
#include "app/cli/command.h"
#include "core/common/error.h"
#include "core/surgery/demo_scenario.h"

#include <cstdio>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {});
    a.check_known({"known", "out", "seed", "forget", "update", "retain"});
    surgery::ScenarioSizes sizes;
    sizes.forget = a.get_int("forget", sizes.forget);
    sizes.update = a.get_int("update", sizes.update);
    sizes.retain = a.get_int("retain", sizes.retain);
    auto set = surgery::build_demo_scenario(facts::load_any(a.require("known")), a.get_u64("seed", 7), sizes);
    facts::save_any(set, a.require("out"));
    std::printf("%zu forget, %zu update, %zu retain facts -> %s\n", set.count(facts::Kind::Forget),
                set.count(facts::Kind::Update), set.count(facts::Kind::Retain), a.get("out").c_str());
    return 0;
}

CommandRegistrar reg({"demo-facts", "draw a forget/update/retain scenario from known facts",
                      "usage: llm-surgery-cli demo-facts --known FACTS.jsonl --out SET.jsonl [--seed S]\n"
                      "         [--forget N] [--update N] [--retain N]\n\n"
                      "Draws forget facts, update facts (the answer replaced by another subject's answer of the\n"
                      "same relation) and retain facts from tagged known facts (a corpus facts.jsonl or a model's\n"
                      "known_facts.jsonl). Deterministic per seed. Paraphrases stay as held-out prompts.\n",
                      run});

}  // namespace
}  // namespace llms::cli

// The demo scenario (resources/demo/facts.jsonl): a fact set drawn from what the demo model knows —
// facts to forget, true facts replaced by plausible fictitious ones with real names (another subject's
// answer of the same relation), and facts to retain. Paraphrases stay on the facts as held-out prompts
// (the trainer never trains on them). Torch-free.
#pragma once
#include "core/facts/fact_set.h"

#include <cstdint>

namespace llms::surgery {

struct ScenarioSizes {
    int forget = 24;
    int update = 24;
    int retain = 120;
};

// known: facts with a relation tag (e.g. known_facts.jsonl or a corpus facts.jsonl). Deterministic per seed;
// forget/update facts are spread round-robin over the relations.
facts::FactSet build_demo_scenario(const facts::FactSet& known, uint64_t seed, const ScenarioSizes& sizes = {});

}  // namespace llms::surgery

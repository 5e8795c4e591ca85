// Never-seen answers: a fact's prompt with other answers of its relation — statements the model was never trained
// on, with the very prompt it was. The level a forgotten answer should sink to (the durable preset's bound, core/
// surgery/trainer.h) and the audit's baseline and membership negatives (core/eval/audit.h). Torch-free.
#pragma once
#include "core/facts/fact_set.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms::eval {

// Up to `k` answers for fact `f`: its options, then the answers of the set's facts with the same first tag
// (relation), in a seeded order; never its own answer or new answer, no duplicates. Empty when there are none.
std::vector<std::string> never_seen_answers(const facts::FactSet& set, const facts::Fact& f, uint64_t seed, size_t k);

}  // namespace llms::eval

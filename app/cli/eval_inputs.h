// What `surgery` and `eval` measure besides the user's facts: the collateral probe set (--probe, or facts the
// model was shown to know: MODEL_DIR/known_facts.jsonl), the broad retain pool, and held-out text for fluency.
#pragma once
#include "app/cli/command.h"
#include "core/eval/report.h"
#include "core/facts/fact_set.h"

#include <filesystem>
#include <string>
#include <vector>

namespace llms::cli {

struct EvalInputs {
    facts::FactSet set;
    facts::FactSet collateral;
    facts::FactSet retain_pool;
    std::vector<std::string> heldout;
    std::string notes;   // what was found / defaulted, for the user
};

inline const std::set<std::string> kEvalOptions = {"facts", "probe", "retain-pool", "heldout", "chat"};
inline constexpr const char* kEvalOptionsHelp =
    "  --chat              instruct models: every fact prompt as a user turn in the model's chat template\n"
    "                      (tokenizer_config.json / chat_template.jinja), answers after the assistant header\n"
    "  --probe FILE        collateral facts (JSONL/CSV) outside every set; default: a seeded sample of\n"
    "                      MODEL_DIR/known_facts.jsonl (facts the model was shown to know) not in --facts\n"
    "  --heldout FILE      held-out text (one passage per line) for a fluency perplexity; default:\n"
    "                      MODEL_DIR/heldout.txt when present\n";

EvalInputs read_eval_inputs(const Args& a, const std::filesystem::path& model_dir, uint64_t seed);

// --chat: the fact set, the collateral probes and the retain pool in the chat format of the model in `model_dir`
// (chat::wrap_fact_prompts); llms::Error when the model has no tokenizer or no usable chat template.
void wrap_in_chat(EvalInputs& in, const std::filesystem::path& model_dir);

// Prints the before/after table of a report to stdout.
void print_report_summary(const eval::Report& r);

}  // namespace llms::cli

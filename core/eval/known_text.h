// What a model folder may carry beside its weights for the evaluation (the demo model ships both):
// known_facts.jsonl, facts the model was shown to know (collateral probes and the broad retain pool), and
// heldout.txt, held-out text, one passage per line (the fluency perplexity). The CLI and the app read them here.
#pragma once
#include "core/facts/fact_set.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace llms::eval {

constexpr size_t kHeldoutPassages = 200;   // passages read for the fluency perplexity

std::filesystem::path known_facts_file(const std::filesystem::path& model_dir);   // MODEL_DIR/known_facts.jsonl
std::filesystem::path heldout_file(const std::filesystem::path& model_dir);       // MODEL_DIR/heldout.txt

// The model folder's known facts; nullopt when it has none. llms::Error when the file is there but unreadable.
std::optional<facts::FactSet> load_known_facts(const std::filesystem::path& model_dir);

// The first kHeldoutPassages non-empty lines of a held-out text file; llms::Error naming it when it cannot be read.
std::vector<std::string> load_heldout_text(const std::filesystem::path& file);

}  // namespace llms::eval

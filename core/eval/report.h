// Before/after evaluation of a surgery, per set (forget, update, retain) plus collateral facts in no set
// and fluency on held-out text. Torch-free structs (the UI shows them); the Evaluator needs a LoadedModel.
#pragma once
#include "core/eval/audit.h"
#include "core/facts/fact_set.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llms {
struct LoadedModel;
}

namespace llms::eval {

// The report JSON's "answer_prob_definition": answer probabilities are P(whole answer | prompt).
inline constexpr const char* kAnswerProbDefinition = "whole answer";

struct SetMetrics {
    int n = 0;
    double exact_match = 0;      // greedy completion starts with the target answer
    double answer_prob = 0;      // mean over facts of P(whole answer | prompt) (core/eval/answer_tokens.h)
    double nll = 0;              // mean answer-token NLL (nats); perplexity = exp(nll)
    double mcqa_acc = 0;         // 3 options, lowest answer perplexity wins
    double rouge_l = 0;          // ROUGE-L recall (words) of the greedy completion against the target
    std::optional<double> paraphrase_acc;   // exact match on held-out paraphrase prompts
    std::optional<double> kl;               // mean per-token KL(θ0 || θ) (retain, collateral)
};

struct FactOutcome {
    std::string id, set, prompt, target;    // set: forget | update | retain | collateral
    std::string completion;                 // greedy completion
    bool match = false;
    double answer_prob = 0;                 // P(whole answer | prompt)
};

struct Measurement {
    SetMetrics forget, update, retain, collateral;
    std::optional<double> fluency_ppl;      // perplexity on held-out text
    std::vector<FactOutcome> facts;         // forget/update/retain facts (collateral summarised only)
};

struct Report {
    std::string model, method, preset;
    std::optional<Measurement> before;      // absent when there is nothing to compare with
    Measurement after;
    int steps = 0;
    double seconds = 0;
    int64_t tokens = 0;
    std::string outcome;                    // the run's end message
    std::optional<AuditReport> audit;       // surgery --audit: the forgetting audit of the edited model

    std::string to_json() const;            // schema in README ("Report JSON")
    std::string to_markdown() const;
    void save(const std::string& path) const;   // .json or .md by extension (temp file + rename)
};

// Measures models on a fact set. The first measure() fixes θ0: its distributions on the retain and collateral
// facts are cached so later measure() calls report KL(θ0 || θ).
class Evaluator {
public:
    Evaluator(const facts::FactSet& set, const facts::FactSet& collateral, std::vector<std::string> heldout_text);
    ~Evaluator();
    Measurement measure(LoadedModel& model);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Splits the facts a model is known to know (known_facts.jsonl) into a collateral probe set and a broad retain
// pool, both disjoint from the user's set (same prompt = same fact). Seeded; collateral gets max(500, half).
struct KnownSplit {
    facts::FactSet collateral, retain_pool;
};
KnownSplit split_known_facts(const facts::FactSet& known, const facts::FactSet& set, uint64_t seed,
                             size_t max_collateral = 1000);

// ROUGE-L recall over whitespace-separated words: LCS(candidate, reference) / |reference|.
double rouge_l_recall(const std::string& candidate, const std::string& reference);

}  // namespace llms::eval

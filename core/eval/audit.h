// The forgetting audit: attacks that try to bring forgotten facts (and the old answers of updated facts) back
// from an edited model, each measured against the edited model as it is, and a membership-inference test
// against facts the model never saw. Torch-free structs (the UI shows them); run_audit needs a LoadedModel.
//
// Attacks (each: forget exact match, mean answer probability, how many facts came back):
//   edited          the edited model as it is (the reference every "came back" is counted against)
//   q8_0, q4_0      every matrix round-trip quantized as the GGUF export writes it (core/gguf/ggml_quants.h)
//   relearn         k fine-tuning steps on half of the forget facts' (and update facts' old) answers; the other
//                   half probed
//   relearn-retain  k fine-tuning steps on the set's retain facts only (benign fine-tuning); every fact probed
//   sampling        P(the answer is among n samples at temperature 1) = 1 - (1 - p)^n, p the answer probability
//                   (exact, not sampled; the canonical tokenization of the answer: a lower bound)
//   paraphrase      the facts' paraphrases (prompts the surgery never trained on)
//   heldout         a template of the fact's relation that no corpus renders (core/corpus/templates.h)
// Membership inference: Min-K%++ (Zhang et al., arXiv 2404.02936) and the loss, on the answer tokens, AUROC between
// the forgotten facts and never-seen facts: each forget prompt with up to 8 other answers of its relation (the set's
// options and same-relation answers, core/eval/never_seen.h): statements the model was never trained on, with the
// same prompts.
//
// "Answer probability" here and everywhere in the project is the probability of the whole answer:
// P(answer | prompt) = exp(Σ log p(answer token | prompt, answer so far)) (core/eval/answer_tokens.h).
#pragma once
#include "core/facts/fact_set.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llms {
struct LoadedModel;
}

namespace llms::eval {

struct AuditOptions {
    int relearn_steps = 20;        // fine-tuning steps of the relearning attacks
    double relearn_lr = 1e-4;      // the demo preset's learning rate
    int samples = 20;              // n of the sampling attack
    double min_k = 0.2;            // Min-K%++: mean of the lowest 20% of the answer tokens' scores (at least one)
    uint64_t seed = 0;             // the relearning split and the never-seen answers
};

// Pass marks, shown with the numbers (README "Audit JSON").
struct AuditThresholds {
    double max_exact_match = 0.05;        // forget exact match after any attack
    double max_relearn_back = 0.10;       // share of the probed half that relearning brings back
    double max_sampling_excess = 0.05;    // sampling: P(answer in n samples) above the never-seen answers' own
    double mia_band = 0.10;               // |AUROC - 0.5|
};

// One group of facts (forget, or update facts' old answers) under one attack.
struct AttackNumbers {
    int n = 0;
    double exact_match = 0;       // greedy completion starts with the answer (sampling: mean P(in n samples))
    double answer_prob = 0;       // mean P(answer | prompt)
    int came_back = 0;            // facts matched now and not by the edited model (same prompts)
    double came_back_points = 0;  // 100 * (exact match now - the edited model's on the same prompts)
};

struct AttackResult {
    std::string id;               // edited | q8_0 | q4_0 | relearn | relearn-retain | sampling | paraphrase | heldout
    std::string title;            // "Q4_0 quantization"
    AttackNumbers forget, update_old;
    bool pass = true;
    std::string rule;             // the pass mark, in words ("forget exact match ≤ 5%")
};

struct MembershipResult {
    int forgotten = 0, never_seen = 0;
    double minkpp_auroc = 0.5;    // P(a forgotten fact scores as more "member" than a never-seen one); ties count half
    double loss_auroc = 0.5;
    bool pass = true;
};

struct AuditReport {
    std::string original, edited;         // model paths or names
    AuditOptions options;
    AuditThresholds thresholds;
    std::optional<AttackNumbers> before_forget, before_update_old;   // the original model (when given)
    // ... on the forget facts' paraphrases and held-out template: how much the rephrasing attacks can bring back
    std::optional<AttackNumbers> before_paraphrase, before_heldout;
    double never_seen_prob = 0;           // mean P(answer) of the never-seen answers, edited model
    double never_seen_sampling = 0;       // mean P(in n samples) of the same
    double forget_prob = 0;               // mean P(answer) of the forget facts, edited model
    bool forget_prob_pass = true;         // forget_prob ≤ never_seen_prob
    std::vector<AttackResult> attacks;
    MembershipResult membership;
    double seconds = 0;

    bool pass() const;                    // every attack, the probability level and the membership test
    std::string to_json() const;          // keys: README "Audit JSON"
    std::string to_markdown() const;
    void save(const std::string& path) const;   // .json or .md by extension (atomic)
};

struct AuditCallbacks {
    // stage: what runs now ("Q4_0 quantization"); done / total: stages done of all (0-based) for a progress bar.
    std::function<void(const std::string& stage, int done, int total)> on_stage;
    const std::atomic<bool>* stop = nullptr;   // checked between stages and relearning steps: throws llms::Error
};

// What the original model answers (forget facts' and update facts' old answers): the audit's "before" row.
// Call with the original weights before run_audit, or leave the report without it.
void audit_original(LoadedModel& original, const facts::FactSet& set, AuditReport& report);

// Runs every attack on `edited` and restores its weights after each (a CPU copy of the trained weights is kept
// for the run). Throws llms::Error when the set has no forget fact and no update fact with an old answer.
AuditReport run_audit(LoadedModel& edited, const facts::FactSet& set, const AuditOptions& options,
                      const AuditCallbacks& callbacks = {}, AuditReport report = {});

// AUROC of "positive scores higher": P(p > n) + P(p = n) / 2 over all pairs (Mann-Whitney U / (|P| |N|)).
double auroc(const std::vector<double>& positive, const std::vector<double>& negative);

}  // namespace llms::eval

// Causal tracing (Meng et al. 2022, "Locating and Editing Factual Associations in GPT", §2.1) on the Llama family:
// the subject's token embeddings corrupted with Gaussian noise (noise × the std of the embedding matrix, seeded,
// averaged over samples), then one hidden state — a layer's output at one token, or the MLP outputs of a window of
// layers at one token — restored from the clean run, and P(answer | prompt) measured (the whole answer: the report's
// definition, core/eval/answer_tokens.h). The MLP restoration at the subject's last token picks the edit layers.
#pragma once
#include "core/edit/edit_types.h"
#include "core/facts/fact_set.h"
#include "core/model/model_loader.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llms::edit {

struct TraceOptions {
    int samples = 3;          // noise samples, averaged
    double noise = 3.0;       // × std of the embedding matrix
    uint64_t seed = 0;
    int window = 0;           // MLP restoration: layers restored together (0: max(1, layers / 5))
};

// The grid of one fact for `answer` (the fact's current answer: what the model knows). Runs 2 × layers batched
// forwards of samples × prompt-tokens rows.
TraceGrid trace_fact(LoadedModel& m, const facts::Fact& fact, const std::string& answer, const TraceOptions& o);

// The primitive of the grid, for any set of positions: P(answer) (mean over the noise samples) with the subject
// corrupted and layer `layer`'s output restored from the clean run at `positions` (indices into prompt + answer
// tokens, BOS first). Restoring every position of any layer gives back the clean run.
double restored_probability(LoadedModel& m, const facts::Fact& fact, const std::string& answer, int64_t layer,
                            const std::vector<int64_t>& positions, const TraceOptions& o);

// The facts to trace for a fact set: forget facts with their answer, update facts with their old answer (those
// without one skipped), at most `max_facts`, in the set's order.
std::vector<std::pair<facts::Fact, std::string>> facts_to_trace(const facts::FactSet& set, int max_facts);

// Traces each fact (on_fact(done, total) after each; a stop ends early with the grids so far) and fills the
// per-layer MLP effect. chosen_layers is left empty: see choose_layers.
TraceSummary trace_facts(LoadedModel& m, const std::vector<std::pair<facts::Fact, std::string>>& facts,
                         const TraceOptions& o, const std::atomic<bool>* stop = nullptr,
                         const std::function<void(int done, int total)>& on_fact = {});

// The edit layers from the MLP effect: one layer (the largest effect) for ROME; for MEMIT the `span` consecutive
// layers with the largest summed effect; never the last layer (its output at the subject reaches no later token).
// An empty effect (nothing traced) gives the middle layer(s).
std::vector<int> choose_layers(const std::vector<double>& mlp_effect, int n_layers, int span);

// The grid as text: one row per layer, one column per token, shades " .:-=+*#%@" of the indirect effect scaled to
// the grid's range; header with P(clean) and P(corrupt).
std::string trace_text(const TraceGrid& g);

}  // namespace llms::edit

// What the closed-form editors report: causal-trace grids, progress, and the record of an edit. Torch-free, for the
// app's heat map and progress bar and the CLI's text output.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llms::edit {

// One fact's causal trace (Meng et al. 2022): the subject's token embeddings corrupted with Gaussian noise, then one
// hidden state restored from the clean run, P(answer | prompt) (the whole answer) measured. Rows are layers, columns
// the prompt's tokens (BOS first).
struct TraceGrid {
    std::string fact_id, prompt, subject, answer;
    std::vector<std::string> tokens;        // [T] the prompt's tokens as text
    int subject_begin = 0, subject_end = 0; // the subject's tokens: [subject_begin, subject_end)
    int layers = 0;
    double p_clean = 0;                     // P(answer) of the clean run
    double p_corrupt = 0;                   // mean P(answer) with the subject corrupted, nothing restored
    std::vector<double> state;              // [layers * T] restoring layer l's output at token t
    std::vector<double> mlp;                // [layers * T] restoring the MLP outputs of a window of layers around l at t
    int mlp_window = 1;
    double state_at(int l, int t) const { return state[(size_t)l * tokens.size() + t]; }
    double mlp_at(int l, int t) const { return mlp[(size_t)l * tokens.size() + t]; }
};

struct TraceSummary {
    std::vector<TraceGrid> grids;
    // Mean over the grids of the MLP restoration's indirect effect (P restored − P corrupt) at the subject's last
    // token, per layer: the automatic layer choice reads this.
    std::vector<double> mlp_effect;
    std::vector<int> chosen_layers;         // the layer(s) the editor uses
};

// Progress of an edit run, streamed to the CLI's progress line and the app.
struct EditProgress {
    enum class Stage { Trace, Covariance, Targets, Update } stage = Stage::Trace;
    int64_t done = 0, total = 0;            // trace: facts; covariance: tokens; targets / update: facts or layers
    double seconds = 0;                     // since the stage began
    std::string detail;                     // e.g. "layer 2", the fact's prompt
};
const char* stage_name(EditProgress::Stage s);   // "causal trace", "key covariance", "target vectors", "weight update"

// What a ROME / MEMIT run did, beside the report.
struct EditRecord {
    std::string method;                     // "rome" | "memit"
    std::vector<int> layers;
    TraceSummary trace;                     // empty grids when the layers were set by hand
    int64_t covariance_tokens = 0;
    bool covariance_cached = false;         // read from the cache instead of computed
    std::vector<double> target_nll;         // per edited fact: the target answer's NLL per token after the v*/z search
    int facts_edited = 0;
};

}  // namespace llms::edit

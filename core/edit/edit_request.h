// One closed-form edit request, and the batched forwards that read or rewrite a layer at each text's subject.
// Torch types: core/edit only.
#pragma once
#include "core/model/model_loader.h"

#include <string>
#include <vector>

namespace llms::edit {

// "Make `prompt` (whose subject is `subject`) continue with `target`."
struct EditRequest {
    std::string id;
    std::string prompt;
    std::string subject;
    std::string target;    // the new answer, with its leading space (" Paris")
    // Prompts of the subject's other known facts (retain facts and the retain pool, "The currency of France is the"),
    // then (keep_relations) the subject under the pool's other relations ("France is located in"): the target search
    // keeps the model's next-token distribution after each (keep_factor, edit_settings.h).
    std::vector<std::string> keep;
    // The subject as it opens a text (start_keys): itself, and capitalised when it starts lower-case ("rubidium",
    // "Rubidium"). MEMIT writes the edit at each one's key too.
    std::vector<std::string> starts;
};

// Texts as one right-padded batch: ids [B, N] (pad 0), mask [B, N] (1 real), and each text's subject's last token.
struct SubjectBatch {
    at::Tensor ids, mask;
    std::vector<int64_t> lookup;   // [B]
    std::vector<int64_t> lengths;  // [B]
};
// tok.encode(text) per text; lookup = the subject's last token in it (core/edit/subject.h).
SubjectBatch subject_batch(const LoadedModel& m, const std::vector<std::string>& texts, const std::string& subject);
SubjectBatch pad_batch(const LoadedModel& m, const std::vector<std::vector<int32_t>>& rows);

// What layer `layer` computes at each row's lookup position: its down_proj input k [B, F], its MLP output [B, C]
// and its output (the residual stream) [B, C]. No gradient.
struct LayerReadout {
    at::Tensor key, mlp_out, layer_out;
};
LayerReadout read_layer(LoadedModel& m, int64_t layer, const SubjectBatch& b);

// The texts the keys and targets are averaged over: "" (the prompt alone) and `n` texts of `tokens` tokens sampled
// from the model (seeded), each followed by ". " (ROME's / MEMIT's context templates).
std::vector<std::string> context_prefixes(LoadedModel& m, int n, int tokens, uint64_t seed);

}  // namespace llms::edit

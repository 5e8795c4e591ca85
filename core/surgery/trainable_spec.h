// Which weights a surgery trains, as the user writes it: a comma-separated union of
//   all             every weight
//   mlp             the MLP matrices of every decoder layer
//   layers:A-B      every weight of decoder layers A..B (0-based, inclusive)
//   embed_tokens    model.embed_tokens.weight
//   norm            model.norm.weight (the final norm)
//   lm_head         lm_head.weight
// e.g. "layers:0-0,embed_tokens,norm,lm_head" (the paper bench's recipe). Torch-free: the UI validates it.
#pragma once
#include <cstdint>
#include <string>

namespace llms::surgery {

struct TrainableSpec {
    bool all = false, mlp = false, embed_tokens = false, norm = false, lm_head = false;
    int64_t first_layer = -1, last_layer = -1;   // layers:A-B (-1: none)

    bool selects(const std::string& hf_name) const;
};

// The decoder layer an HF tensor name belongs to ("model.layers.3.mlp.up_proj.weight" -> 3), -1 for the others.
int64_t layer_of(const std::string& hf_name);

// llms::Error naming the bad part for anything outside the grammar above (A > B included). Whether the layers
// exist is the model's question (select_trainable).
TrainableSpec parse_trainable_spec(const std::string& spec);

// llms::Error when the spec names decoder layers a model of num_layers lacks.
void check_spec_layers(const TrainableSpec& s, int64_t num_layers);

}  // namespace llms::surgery

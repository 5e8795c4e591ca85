#include "core/edit/hooked_forward.h"

#include <torch/torch.h>

namespace llms::edit {

static LlamaMLPImpl& mlp_of(LlamaForCausalLM& net, int64_t layer) {
    return *net->model->layers[layer]->as<LlamaDecoderLayerImpl>()->mlp;
}

at::Tensor mlp_key(LlamaForCausalLM& net, int64_t layer, const at::Tensor& in) {
    auto& mlp = mlp_of(net, layer);
    return at::silu(mlp.gate_proj->forward(in)) * mlp.up_proj->forward(in);
}

at::Tensor& down_proj_weight(LlamaForCausalLM& net, int64_t layer) { return mlp_of(net, layer).down_proj->weight; }

}  // namespace llms::edit

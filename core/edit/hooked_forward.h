// A forward of the model body with ForwardHooks set (core/model/llama.h), and the down_proj input ("key") of a layer.
// Torch types: core/edit only.
#pragma once
#include "core/model/llama.h"

namespace llms::edit {

// Sets model->hooks for its lifetime (restored on exit, also by an exception).
class HookScope {
public:
    HookScope(LlamaForCausalLM& net, const ForwardHooks* hooks) : body_(*net->model) {
        prev_ = body_.hooks;
        body_.hooks = hooks;
    }
    ~HookScope() { body_.hooks = prev_; }
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;

private:
    LlamaModelImpl& body_;
    const ForwardHooks* prev_;
};

// The down_proj input of layer `layer` for its MLP's normed input `in` [..., C]: silu(gate in) * up in [..., F].
at::Tensor mlp_key(LlamaForCausalLM& net, int64_t layer, const at::Tensor& in);

// The layer's down_proj weight [C, F] (the matrix ROME and MEMIT edit).
at::Tensor& down_proj_weight(LlamaForCausalLM& net, int64_t layer);

}  // namespace llms::edit

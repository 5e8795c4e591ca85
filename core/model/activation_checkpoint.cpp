#include "core/model/activation_checkpoint.h"

#include "core/common/autocast.h"
#include "core/model/llama.h"

#include <torch/autograd.h>

namespace llms {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct CheckpointedLayer : torch::autograd::Function<CheckpointedLayer> {
    // Runs without building a graph (Function::apply turns grad mode off); saves the input only.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, LlamaDecoderLayerImpl* layer,
                              const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask) {
        ctx->saved_data["layer"] = reinterpret_cast<int64_t>(layer);   // the module outlives the graph
        ctx->saved_data["autocast"] = Autocast::enabled(x.device().type());
        ctx->saved_data["cos"] = cos;
        ctx->saved_data["sin"] = sin;
        ctx->saved_data["mask"] = mask;
        ctx->save_for_backward({x});
        return layer->forward(x, cos, sin, mask, nullptr, nullptr);
    }

    // Recompute the layer with a graph, then backpropagate the output gradient through it: the layer's
    // parameters accumulate their gradients, the input's gradient is returned.
    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        auto* layer = reinterpret_cast<LlamaDecoderLayerImpl*>(ctx->saved_data["layer"].toInt());
        at::Tensor y;
        {
            at::AutoGradMode grad_on(true);
            Autocast ac(ctx->saved_data["autocast"].toBool(), x.device().type());
            y = layer->forward(x, ctx->saved_data["cos"].toTensor(), ctx->saved_data["sin"].toTensor(),
                               ctx->saved_data["mask"].toTensor(), nullptr, nullptr);
        }
        auto g = grad_out[0].defined() ? grad_out[0] : at::zeros_like(y);
        torch::autograd::backward({y}, {g});
        return {x.grad(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

at::Tensor checkpointed_layer(LlamaDecoderLayerImpl& layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& mask) {
    return CheckpointedLayer::apply(x, &layer, cos, sin, mask);
}

}  // namespace llms

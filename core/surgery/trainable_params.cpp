#include "core/surgery/trainable_params.h"

#include "core/common/error.h"

namespace llms::surgery {

std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec) {
    const TrainableSpec s = parse_trainable_spec(spec);
    check_spec_layers(s, net->config.num_hidden_layers);
    std::vector<at::Tensor> out;
    for (auto& [name, p] : hf_named_tensors(net)) {
        const bool train = s.selects(name);
        p.set_requires_grad(train);
        if (train) out.push_back(p);
    }
    if (out.empty()) throw Error("no parameter is selected for training (" + spec + ")");
    return out;
}

}  // namespace llms::surgery

#include "core/surgery/trainable_params.h"

#include "core/common/error.h"

namespace llms::surgery {

std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec) {
    const TrainableSpec s = parse_trainable_spec(spec);
    if (s.last_layer >= net->config.num_hidden_layers)
        throw Error("trainable layers " + std::to_string(s.first_layer) + "-" + std::to_string(s.last_layer) +
                    " are outside this model's 0-" + std::to_string(net->config.num_hidden_layers - 1));
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

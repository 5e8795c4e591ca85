#include "core/surgery/trainable_params.h"

#include "core/common/error.h"

#include <regex>

namespace llms::surgery {

std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec) {
    static const std::regex layers(R"(layers:(\d+)-(\d+))");
    static const std::regex layer_of(R"(model\.layers\.(\d+)\.)");
    std::smatch mt;
    int lo = -1, hi = -1;
    if (std::regex_match(spec, mt, layers)) {
        lo = std::stoi(mt[1]), hi = std::stoi(mt[2]);
        if (lo > hi || hi >= net->config.num_hidden_layers)
            throw Error("trainable layers " + spec + " are outside this model's 0-" +
                        std::to_string(net->config.num_hidden_layers - 1));
    } else if (spec != "all" && spec != "mlp") {
        throw Error("trainable parameters must be all, mlp or layers:A-B (got \"" + spec + "\")");
    }
    std::vector<at::Tensor> out;
    for (auto& [name, p] : hf_named_tensors(net)) {
        bool train = true;
        if (spec == "mlp") train = name.find(".mlp.") != std::string::npos;
        if (lo >= 0) {
            std::smatch lm;
            train = std::regex_search(name, lm, layer_of) && std::stoi(lm[1]) >= lo && std::stoi(lm[1]) <= hi;
        }
        p.set_requires_grad(train);
        if (train) out.push_back(p);
    }
    if (out.empty()) throw Error("no parameter is selected for training (" + spec + ")");
    return out;
}

}  // namespace llms::surgery

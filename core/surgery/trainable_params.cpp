#include "core/surgery/trainable_params.h"

#include "core/common/error.h"

#include <regex>

namespace llms::surgery {

int64_t layer_of(const std::string& hf_name) {
    static const std::string prefix = "model.layers.";
    if (hf_name.rfind(prefix, 0) != 0) return -1;
    const size_t digits = hf_name.find_first_not_of("0123456789", prefix.size());
    return digits == prefix.size() ? -1 : std::stoll(hf_name.substr(prefix.size(), digits - prefix.size()));
}

std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec) {
    static const std::regex layers(R"(layers:(\d+)-(\d+))");
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
        if (lo >= 0) train = layer_of(name) >= lo && layer_of(name) <= hi;
        p.set_requires_grad(train);
        if (train) out.push_back(p);
    }
    if (out.empty()) throw Error("no parameter is selected for training (" + spec + ")");
    return out;
}

}  // namespace llms::surgery

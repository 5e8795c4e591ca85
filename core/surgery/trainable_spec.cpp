#include "core/surgery/trainable_spec.h"

#include "core/common/error.h"

#include <regex>
#include <sstream>

namespace llms::surgery {

int64_t layer_of(const std::string& hf_name) {
    static const std::string prefix = "model.layers.";
    if (hf_name.rfind(prefix, 0) != 0) return -1;
    const size_t digits = hf_name.find_first_not_of("0123456789", prefix.size());
    return digits == prefix.size() ? -1 : std::stoll(hf_name.substr(prefix.size(), digits - prefix.size()));
}

bool TrainableSpec::selects(const std::string& name) const {
    const int64_t layer = layer_of(name);
    return all || (mlp && layer >= 0 && name.find(".mlp.") != std::string::npos) ||
           (first_layer >= 0 && layer >= first_layer && layer <= last_layer) ||
           (embed_tokens && name == "model.embed_tokens.weight") || (norm && name == "model.norm.weight") ||
           (lm_head && name == "lm_head.weight");
}

TrainableSpec parse_trainable_spec(const std::string& spec) {
    static const std::regex layers(R"(layers:(\d{1,6})-(\d{1,6}))");
    const auto bad = [&](const std::string& why) {
        return Error("trainable parameters \"" + spec + "\": " + why +
                     " (write a comma-separated list of all, mlp, layers:A-B, embed_tokens, norm, lm_head)");
    };
    TrainableSpec s;
    std::istringstream in(spec);
    std::string item;
    int items = 0;
    while (std::getline(in, item, ',')) {
        ++items;
        item.erase(0, item.find_first_not_of(" \t"));   // "layers:0-0, lm_head" reads as written
        item.erase(item.find_last_not_of(" \t") + 1);
        std::smatch m;
        if (item == "all") s.all = true;
        else if (item == "mlp") s.mlp = true;
        else if (item == "embed_tokens") s.embed_tokens = true;
        else if (item == "norm") s.norm = true;
        else if (item == "lm_head") s.lm_head = true;
        else if (std::regex_match(item, m, layers)) {
            if (s.first_layer >= 0) throw bad("layers:A-B given twice");
            s.first_layer = std::stoll(m[1]), s.last_layer = std::stoll(m[2]);
            if (s.first_layer > s.last_layer) throw bad("layers:A-B needs A <= B");
        } else {
            throw bad(item.empty() ? "an empty item" : "unknown item \"" + item + "\"");
        }
    }
    if (items == 0 || spec.back() == ',') throw bad("an empty item");
    return s;
}

void check_spec_layers(const TrainableSpec& s, int64_t num_layers) {
    if (s.last_layer >= num_layers)
        throw Error("trainable layers " + std::to_string(s.first_layer) + "-" + std::to_string(s.last_layer) +
                    " are outside this model's 0-" + std::to_string(num_layers - 1));
}

}  // namespace llms::surgery

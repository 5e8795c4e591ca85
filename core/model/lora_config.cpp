#include "core/model/lora_config.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace llms {

namespace {

std::string trimmed(std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
}

}  // namespace

bool LoraConfig::targets_weight(const std::string& name) const {
    static const std::string prefix = "model.layers.";
    if (name.rfind(prefix, 0) != 0) return false;
    for (const auto& t : targets) {
        const std::string tail = "." + t + ".weight";
        if (name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0) return true;
    }
    return false;
}

std::string LoraConfig::targets_text() const {
    std::string out;
    for (const auto& t : targets) {
        if (!out.empty()) out += ',';
        out += t.substr(0, t.find("_proj"));
    }
    return out;
}

LoraConfig parse_lora(const std::string& rank_alpha, const std::string& targets) {
    LoraConfig l;
    const auto bad = [&](const std::string& why) {
        return Error("LoRA \"" + rank_alpha + "\": " + why + " (write RANK or RANK:ALPHA, e.g. 8 or 8:16)");
    };
    const std::string ra = trimmed(rank_alpha);
    const size_t colon = ra.find(':');
    const std::string r = ra.substr(0, colon), a = colon == std::string::npos ? "" : ra.substr(colon + 1);
    if (r.empty() || r.size() > 4 || r.find_first_not_of("0123456789") != std::string::npos) throw bad("the rank is not a number");
    l.rank = std::stoll(r);
    if (l.rank < 1 || l.rank > 4096) throw bad("the rank must be in 1..4096");
    l.alpha = (double)l.rank;
    if (colon != std::string::npos) {
        size_t used = 0;
        try {
            l.alpha = std::stod(a, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (a.empty() || used != a.size() || !std::isfinite(l.alpha) || !(l.alpha > 0)) throw bad("alpha must be a positive number");
    }

    std::vector<bool> want(kLoraModules.size(), false);
    std::istringstream in(targets);
    std::string item;
    int items = 0;
    while (std::getline(in, item, ',')) {
        ++items;
        item = trimmed(item);
        if (item == "all") {
            want.assign(want.size(), true);
            continue;
        }
        const std::string hf = item.find("_proj") == std::string::npos ? item + "_proj" : item;
        const auto it = std::find(kLoraModules.begin(), kLoraModules.end(), hf);
        if (it == kLoraModules.end())
            throw Error("LoRA targets \"" + targets + "\": unknown module \"" + item +
                        "\" (a comma-separated list of q, k, v, o, gate, up, down, or all)");
        want[(size_t)(it - kLoraModules.begin())] = true;
    }
    if (items == 0 || targets.back() == ',')
        throw Error("LoRA targets \"" + targets + "\": an empty item (a comma-separated list of q, k, v, o, gate, up, down, or all)");
    for (size_t i = 0; i < want.size(); ++i)
        if (want[i]) l.targets.push_back(kLoraModules[i]);
    return l;
}

std::pair<int64_t, int64_t> lora_module_shape(const LlamaConfig& c, const std::string& module) {
    const int64_t C = c.hidden_size, HD = c.head_dim > 0 ? c.head_dim : c.hidden_size / std::max<int64_t>(1, c.num_attention_heads);
    const int64_t q = c.num_attention_heads * HD, kv = c.num_key_value_heads * HD, F = c.intermediate_size;
    if (module == "q_proj") return {C, q};
    if (module == "k_proj" || module == "v_proj") return {C, kv};
    if (module == "o_proj") return {q, C};
    if (module == "gate_proj" || module == "up_proj") return {C, F};
    if (module == "down_proj") return {F, C};
    throw Error("LoRA: unknown module \"" + module + "\"");
}

int64_t lora_parameter_count(const LlamaConfig& c, const LoraConfig& l) {
    int64_t n = 0;
    for (const auto& t : l.targets) {
        const auto [in, out] = lora_module_shape(c, t);
        if (l.rank >= std::min(in, out))
            throw Error("LoRA rank " + std::to_string(l.rank) + " is not below " + t + "'s smaller side (" +
                        std::to_string(std::min(in, out)) + "): choose a smaller rank, or train the weights themselves");
        n += l.rank * (in + out);
    }
    return n * c.num_hidden_layers;
}

}  // namespace llms

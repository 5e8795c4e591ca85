#include "core/model/lora.h"

#include "core/common/error.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace llms {

namespace {

// Every targeted linear layer of the model, by HF module path (layers in order, kLoraModules order within one).
std::vector<LoraSite> target_sites(LlamaForCausalLM& m, const std::vector<std::string>& targets) {
    std::vector<LoraSite> out;
    for (size_t i = 0; i < m->model->layers->size(); ++i) {
        auto* layer = m->model->layers[i]->as<LlamaDecoderLayerImpl>();
        const std::pair<const char*, LinearImpl*> modules[] = {
            {"self_attn.q_proj", layer->self_attn->q_proj.get()}, {"self_attn.k_proj", layer->self_attn->k_proj.get()},
            {"self_attn.v_proj", layer->self_attn->v_proj.get()}, {"self_attn.o_proj", layer->self_attn->o_proj.get()},
            {"mlp.gate_proj", layer->mlp->gate_proj.get()},       {"mlp.up_proj", layer->mlp->up_proj.get()},
            {"mlp.down_proj", layer->mlp->down_proj.get()},
        };
        for (const auto& [path, linear] : modules) {
            const std::string p = path, name = p.substr(p.find('.') + 1);
            if (targets.empty() || std::find(targets.begin(), targets.end(), name) != targets.end())
                out.push_back({"model.layers." + std::to_string(i) + "." + p, linear});
        }
    }
    return out;
}

}  // namespace

std::vector<LoraSite> attach_lora(LlamaForCausalLM& m, const LoraConfig& c, uint64_t seed) {
    (void)lora_parameter_count(m->config, c);   // refuses a rank the matrices cannot take
    detach_lora(m);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto opt = at::TensorOptions().dtype(at::kFloat).device(m->model->embed_tokens.device());
    auto sites = target_sites(m, c.targets);
    for (auto& s : sites) {
        const int64_t in = s.linear->weight.size(1), out = s.linear->weight.size(0);
        // PEFT: kaiming_uniform_(A, a=sqrt(5)) -> U(-1/sqrt(in), 1/sqrt(in)); B = 0.
        const double bound = 1.0 / std::sqrt((double)in);
        s.linear->lora_A = at::empty({c.rank, in}, at::kFloat).uniform_(-bound, bound, gen).to(opt);
        s.linear->lora_B = at::zeros({out, c.rank}, opt);
        s.linear->lora_scale = c.scale();
    }
    return sites;
}

void attach_lora_tensors(LlamaForCausalLM& m, const LoraConfig& c,
                         const std::vector<std::pair<std::string, std::pair<at::Tensor, at::Tensor>>>& adapters) {
    std::map<std::string, LinearImpl*> by_path;
    for (auto& s : target_sites(m, {})) by_path[s.module] = s.linear;
    detach_lora(m);
    const auto dev = m->model->embed_tokens.device();
    try {
        for (const auto& [path, ab] : adapters) {
            const auto it = by_path.find(path);
            if (it == by_path.end()) throw Error("LoRA adapter: this model has no module \"" + path + "\"");
            LinearImpl* l = it->second;
            const auto& [a, b] = ab;
            const int64_t in = l->weight.size(1), out = l->weight.size(0);
            if (a.dim() != 2 || b.dim() != 2 || a.size(0) != c.rank || a.size(1) != in || b.size(0) != out ||
                b.size(1) != c.rank)
                throw Error("LoRA adapter: \"" + path + "\" has A " + std::to_string(a.dim() == 2 ? a.size(0) : -1) + "x" +
                            std::to_string(a.dim() == 2 ? a.size(1) : -1) + " and B " +
                            std::to_string(b.dim() == 2 ? b.size(0) : -1) + "x" + std::to_string(b.dim() == 2 ? b.size(1) : -1) +
                            "; this model needs A " + std::to_string(c.rank) + "x" + std::to_string(in) + " and B " +
                            std::to_string(out) + "x" + std::to_string(c.rank));
            l->lora_A = a.to(dev, at::kFloat).contiguous();
            l->lora_B = b.to(dev, at::kFloat).contiguous();
            l->lora_scale = c.scale();
        }
    } catch (...) {
        detach_lora(m);
        throw;
    }
}

std::vector<LoraSite> lora_sites(LlamaForCausalLM& m, LoraConfig* config) {
    std::vector<LoraSite> out;
    for (auto& s : target_sites(m, {}))
        if (s.linear->lora_A.defined()) out.push_back(s);
    if (config) {
        *config = LoraConfig{};
        for (const auto& s : out) {
            config->rank = s.linear->lora_A.size(0);
            config->alpha = s.linear->lora_scale * (double)config->rank;
            const std::string name = s.module.substr(s.module.rfind('.') + 1);
            if (std::find(config->targets.begin(), config->targets.end(), name) == config->targets.end())
                config->targets.push_back(name);
        }
        // kLoraModules order, whatever the first layer held
        std::vector<std::string> ordered;
        for (const auto& t : kLoraModules)
            if (std::find(config->targets.begin(), config->targets.end(), t) != config->targets.end()) ordered.push_back(t);
        config->targets = ordered;
    }
    return out;
}

at::Tensor merged_weight(const LinearImpl& l) {
    if (!l.lora_A.defined()) return l.weight;
    at::NoGradGuard ng;
    auto w = l.weight.detach().to(at::kFloat) + l.lora_scale * at::matmul(l.lora_B.detach(), l.lora_A.detach());   // [out, in]
    return w.to(l.weight.scalar_type());
}

void merge_lora(LlamaForCausalLM& m) {
    at::NoGradGuard ng;
    for (auto& s : lora_sites(m)) s.linear->weight.copy_(merged_weight(*s.linear));
    detach_lora(m);
}

void detach_lora(LlamaForCausalLM& m) {
    for (auto& s : target_sites(m, {})) {
        s.linear->lora_A = at::Tensor();
        s.linear->lora_B = at::Tensor();
        s.linear->lora_scale = 0;
    }
}

std::vector<std::pair<std::string, at::Tensor>> merged_named_tensors(LlamaForCausalLM& m) {
    std::map<std::string, LinearImpl*> adapted;
    for (auto& s : lora_sites(m)) adapted[s.module + ".weight"] = s.linear;
    auto out = hf_named_tensors(m);
    for (auto& [name, t] : out)
        if (auto it = adapted.find(name); it != adapted.end()) t = merged_weight(*it->second);
    return out;
}

}  // namespace llms

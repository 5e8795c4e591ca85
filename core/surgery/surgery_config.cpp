#include "core/surgery/surgery_config.h"

#include "core/common/error.h"
#include "core/model/lora_config.h"
#include "core/surgery/trainable_spec.h"

namespace llms::surgery {

namespace {
const std::pair<Method, const char*> kMethods[] = {
    {Method::LlmSurgery, "llm-surgery"}, {Method::GradAscent, "grad-ascent"}, {Method::GradDiff, "grad-diff"},
    {Method::Npo, "npo"},                {Method::Finetune, "finetune"},   {Method::Rome, "rome"},
    {Method::Memit, "memit"},
};
}

bool is_closed_form(Method m) { return m == Method::Rome || m == Method::Memit; }

std::string method_name(Method m) {
    for (auto& [k, v] : kMethods)
        if (k == m) return v;
    return "unknown";
}

bool method_from_name(const std::string& s, Method* out) {
    for (auto& [k, v] : kMethods)
        if (s == v) {
            *out = k;
            return true;
        }
    return false;
}

SurgeryConfig SurgeryConfig::preset_named(const std::string& name) {
    SurgeryConfig c;
    c.preset = name;
    if (name == "paper") {
        // The official recipe: AdamW 2e-4, betas (0.9, 0.95), wd 0.01, clip 1.0, weights 0.1/0.1/2.0/0.5.
        c.lr = 2e-4;
        c.w_forget = 0.1;
        c.w_edit = 0.1;
        c.w_update = 2.0;
        c.w_retain = 0.5;
        c.steps = 300;
        c.early_stop = true;
        return c;
    }
    if (name == "demo") {
        // Tuned on the demo model and scenario (resources/demo) for the hard target, collateral damage (known facts
        // in no set): a low learning rate, a strong KL on the retain facts' answers, a light new-answer weight and
        // a low forget bound. The measurements behind each value: docs/benchmarks.md, "How the demo preset was chosen".
        c.lr = 1e-4;
        c.w_forget = 0.1;
        c.w_edit = 0.1;
        c.w_update = 0.3;
        c.w_retain = 10.0;
        c.kl_answers_only = true;
        c.forget_nll_stop = 0.5;
        c.retain_pool_per_step = 96;
        c.batch_size = 64;
        c.steps = 300;
        c.eval_every = 5;
        c.early_stop = true;
        return c;
    }
    if (name == "durable") {
        c = preset_named("demo");
        c.preset = name;
        c.w_retain = 20.0;   // the longer ascent costs collateral: 94.6% kept at 10, 95.3% at 20 (docs/benchmarks.md)
        c.early_stop_past_bound = true;
        c.forget_to_never_seen = true;
        return c;
    }
    throw Error("unknown preset \"" + name + "\" (use demo, durable or paper)");
}

std::vector<std::string> SurgeryConfig::validate() const {
    std::vector<std::string> e;
    if (is_closed_form(method)) {
        e = edit.validate();
        if (!lora.empty()) e.push_back("ROME and MEMIT edit the weights themselves: LoRA does not apply to them");
    }
    if (steps < 1) e.push_back("steps must be at least 1");
    if (batch_size < 1) e.push_back("batch size must be at least 1");
    if (!(lr > 0) || lr > 1) e.push_back("learning rate must be in (0, 1]");
    if (schedule != "constant" && schedule != "cosine") e.push_back("schedule must be constant or cosine");
    if (warmup_steps < 0 || warmup_steps >= steps) e.push_back("warm-up steps must be in [0, steps)");
    for (auto [w, n] : {std::pair{w_forget, "forget"}, {w_edit, "edit"}, {w_update, "update"}, {w_retain, "retain"}})
        if (w < 0) e.push_back(std::string(n) + " weight must not be negative");
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) e.push_back("AdamW betas must be in [0, 1)");
    if (weight_decay < 0) e.push_back("weight decay must not be negative");
    if (!(grad_clip > 0)) e.push_back("gradient clip must be positive");
    if (eval_every < 1) e.push_back("evaluation interval must be at least 1");
    if (forget_nll_stop <= 0) e.push_back("forget NLL bound must be positive");
    if (retain_pool_per_step < 0) e.push_back("retain pool rows per step must not be negative");
    if (npo_beta <= 0) e.push_back("NPO beta must be positive");
    if (precision != "fp32" && precision != "bf16") e.push_back("precision must be fp32 or bf16");
    try {
        parse_trainable_spec(train_params);
    } catch (const Error& x) {
        e.push_back(x.what());
    }
    if (!lora.empty()) {
        try {
            parse_lora(lora, lora_targets);
        } catch (const Error& x) {
            e.push_back(x.what());
        }
        if (train_params != "all") e.push_back("LoRA trains adapters on every layer: leave the trained weights at \"all\"");
    }
    return e;
}

}  // namespace llms::surgery

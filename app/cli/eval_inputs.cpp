#include "app/cli/eval_inputs.h"

#include "core/chat/chat_prompts.h"
#include "core/common/error.h"
#include "core/eval/known_text.h"

#include <cstdio>

namespace llms::cli {

namespace fs = std::filesystem;

EvalInputs read_eval_inputs(const Args& a, const fs::path& model_dir, uint64_t seed) {
    EvalInputs in;
    in.set = facts::load_any(a.require("facts"));
    const fs::path known_file = eval::known_facts_file(model_dir);
    const std::optional<facts::FactSet> known = eval::load_known_facts(model_dir);
    eval::KnownSplit split;
    if (known) {
        split = eval::split_known_facts(*known, in.set, seed);
        in.notes += "known facts: " + std::to_string(split.collateral.facts.size()) + " for collateral, " +
                    std::to_string(split.retain_pool.facts.size()) + " for the retain pool (" + known_file.string() + ")\n";
    }
    if (a.has("probe")) {
        in.collateral = facts::load_any(a.get("probe"));
        for (auto& f : in.collateral.facts) f.kind = facts::Kind::Retain;
        // The pool must not contain the probe facts, or collateral damage would be measured on trained rows.
        if (known) {
            facts::FactSet used = in.set;
            used.facts.insert(used.facts.end(), in.collateral.facts.begin(), in.collateral.facts.end());
            auto s2 = eval::split_known_facts(*known, used, seed, 0);
            in.retain_pool = s2.retain_pool;
        }
    } else {
        in.collateral = split.collateral;
        in.retain_pool = split.retain_pool;
        if (!known)
            in.notes += "no --probe and no " + known_file.string() + ": collateral damage is not measured\n";
    }
    if (a.has("retain-pool")) in.retain_pool = facts::load_any(a.get("retain-pool"));
    const fs::path heldout = a.has("heldout") ? fs::path(a.get("heldout")) : eval::heldout_file(model_dir);
    if (a.has("heldout") || fs::exists(heldout)) in.heldout = eval::load_heldout_text(heldout);
    return in;
}

void print_report_summary(const eval::Report& r) {
    const std::pair<const char*, eval::SetMetrics eval::Measurement::*> sets[] = {
        {"forget", &eval::Measurement::forget}, {"update", &eval::Measurement::update},
        {"retain", &eval::Measurement::retain}, {"collateral", &eval::Measurement::collateral}};
    std::printf("%-11s %5s  %-17s %-17s %-13s %s\n", "set", "n", "exact match", "answer prob", "MCQA", "paraphrase / KL");
    for (auto [name, field] : sets) {
        const auto& a = r.after.*field;
        if (a.n == 0) continue;
        const eval::SetMetrics* b = r.before ? &((*r.before).*field) : nullptr;
        char em[32], pr[32], mc[32], extra[64] = "";
        std::snprintf(em, sizeof em, b ? "%5.1f%% -> %5.1f%%" : "%5.1f%%", b ? 100 * b->exact_match : 100 * a.exact_match,
                      100 * a.exact_match);
        std::snprintf(pr, sizeof pr, b ? "%.3f -> %.3f" : "%.3f", b ? b->answer_prob : a.answer_prob, a.answer_prob);
        std::snprintf(mc, sizeof mc, b ? "%3.0f%% -> %3.0f%%" : "%3.0f%%", b ? 100 * b->mcqa_acc : 100 * a.mcqa_acc,
                      100 * a.mcqa_acc);
        if (field == &eval::Measurement::collateral) std::snprintf(mc, sizeof mc, "-");   // exact match and KL only
        if (a.paraphrase_acc)
            std::snprintf(extra, sizeof extra, "paraphrase %.0f%%%s", 100 * *a.paraphrase_acc,
                          b && b->paraphrase_acc ? (" (was " + std::to_string((int)std::lround(100 * *b->paraphrase_acc)) + "%)").c_str() : "");
        else if (a.kl)
            std::snprintf(extra, sizeof extra, "KL %.4f nats/token", *a.kl);
        std::printf("%-11s %5d  %-17s %-17s %-13s %s\n", name, a.n, em, pr, mc, extra);
    }
    if (r.after.fluency_ppl)
        std::printf("held-out perplexity %s%.3f\n",
                    r.before && r.before->fluency_ppl ? (std::to_string(*r.before->fluency_ppl).substr(0, 6) + " -> ").c_str() : "",
                    *r.after.fluency_ppl);
}

void wrap_in_chat(EvalInputs& in, const fs::path& model_dir) {
    const auto found = chat::ChatFormat::from_folder(model_dir, Tokenizer::load_folder(model_dir));
    if (!found)
        throw Error(model_dir.string() + ": --chat, but the model has no chat template (no chat_template.jinja, no "
                    "\"chat_template\" in tokenizer_config.json): it is not an instruct model; leave out --chat");
    const chat::ChatFormat& chat = *found;
    in.set = chat::wrap_fact_prompts(in.set, chat);
    in.collateral = chat::wrap_fact_prompts(in.collateral, chat);
    in.retain_pool = chat::wrap_fact_prompts(in.retain_pool, chat);
    in.notes += "prompts: as user turns of the chat template in " + chat.file().string() + "\n";
}

}  // namespace llms::cli

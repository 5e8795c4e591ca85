// A surgery run through the session: pick the starting weights, train, measure original vs edited,
// keep the edited weights and the record.
#include "core/chat/chat_prompts.h"
#include "core/common/error.h"
#include "core/edit/edit_run.h"
#include "core/model/lora.h"
#include "core/session/session_impl.h"
#include "core/surgery/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <ctime>

namespace llms::session {

namespace {

std::string now_text() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

}  // namespace

const RunRecord& Session::run(const facts::FactSet& user_set, const surgery::SurgeryConfig& config,
                              const surgery::RunCallbacks& callbacks, bool from_original,
                              const std::function<void(const std::string&)>& on_phase) {
    auto& I = *impl_;
    auto& m = I.model();
    (void)I.tok();   // facts need the tokenizer: fail before anything changes
    auto phase = [&](const std::string& s) {
        if (on_phase) on_phase(s);
    };

    RunRecord rec;
    rec.id = I.next_id;
    rec.started = now_text();
    rec.facts = user_set;
    rec.config = config;

    // Known facts split into the trainer's broad retain pool and the report's collateral probes.
    eval::KnownSplit split;
    if (!I.known.facts.empty()) split = eval::split_known_facts(I.known, user_set, config.seed);
    // Instruct models: every prompt of the run in the model's chat format (Error before anything changes when the
    // model has no usable template).
    facts::FactSet set = user_set;
    if (config.chat_prompts) {
        const chat::ChatFormat& chat = require_chat(m);
        set = chat::wrap_fact_prompts(user_set, chat);
        split.collateral = chat::wrap_fact_prompts(split.collateral, chat);
        split.retain_pool = chat::wrap_fact_prompts(split.retain_pool, chat);
    }
    if (from_original) revert_to_original();
    rec.base = I.active;

    // The original model's measurement (cached while the facts and collateral are unchanged).
    if (!I.eval_cache || !(I.eval_cache->set == set) || !(I.eval_cache->collateral == split.collateral)) {
        phase("Measuring the original model on your facts");
        Impl::EvalCache c;
        c.set = set;
        c.collateral = split.collateral;
        c.evaluator = std::make_unique<eval::Evaluator>(set, split.collateral, I.heldout);
        c.before = I.with_weights(0, [&] { return c.evaluator->measure(m); });
        I.eval_cache = std::move(c);
    }

    phase("Preparing the surgery (tokenizing, caching the original's distributions)");
    surgery::RunCallbacks cb;
    cb.stop = callbacks.stop;
    cb.pause = callbacks.pause;
    cb.on_pause = callbacks.on_pause;
    cb.on_step = [&](const surgery::StepMetrics& s) {
        if (rec.steps.empty()) phase("Training");
        rec.steps.push_back(s);
        if (callbacks.on_step) callbacks.on_step(s);
    };
    cb.on_eval = [&](const surgery::EvalPoint& e) {
        rec.evals.push_back(e);
        if (callbacks.on_eval) callbacks.on_eval(e);
    };
    try {
        if (surgery::is_closed_form(config.method)) {   // ROME / MEMIT (core/edit/edit_run.h)
            phase("Editing (closed form)");
            rec.outcome = edit::run_edit(m, set, config, split.retain_pool, {callbacks.stop, callbacks.on_edit_progress});
        } else {
            surgery::Trainer trainer(m, set, config, split.retain_pool);
            rec.outcome = trainer.run(cb);
        }
    } catch (...) {
        // A failed run must not leave half-trained weights live: put the starting weights back.
        torch::NoGradGuard ng;
        detach_lora(m.net);
        for (auto& [name, p] : hf_named_tensors(m.net)) p.set_requires_grad(false);
        m.net->eval();
        I.load_into(I.weights_of(I.active));
        throw;
    }

    // LoRA: the adapter kept (for its own export), then merged: the run's weights are the model with it.
    if (!config.lora.empty()) {
        I.run_adapters[rec.id] = io::peft_adapter_of(m.net);
        merge_lora(m.net);
        rec.adapter_kept = true;
    }
    phase("Measuring the edited model");
    eval::Report rep;
    rep.model = I.card.dir;
    rep.method = surgery::method_name(config.method);
    rep.preset = config.preset;
    rep.before = I.eval_cache->before;
    rep.after = I.eval_cache->evaluator->measure(m);
    rep.steps = rec.outcome.steps_done;
    rep.seconds = rec.outcome.seconds;
    rep.tokens = rec.outcome.tokens;
    rep.outcome = rec.outcome.message;
    rec.report = std::move(rep);

    I.run_weights[rec.id] = I.copy_out();
    rec.weights_kept = true;
    I.active = rec.id;
    I.next_id++;
    I.history.push_back(std::move(rec));
    I.enforce_budget();
    return I.history.back();
}

}  // namespace llms::session

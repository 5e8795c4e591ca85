#include "app/cli/pretrain_progress.h"

#include <cstdio>
#include <string>

namespace llms::cli {

void PretrainProgressBar::operator()(const pretrain::Progress& p) {
    using Phase = pretrain::Progress::Phase;
    const auto now = std::chrono::steady_clock::now();
    const bool phase_change = !started_ || p.phase != phase_;
    const bool last_step = p.phase == Phase::Train && p.step == p.steps;
    if (!phase_change && !last_step && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    started_ = true;
    if (phase_change && p.phase != Phase::Train) line_.finish();   // each preparation phase on its own line
    phase_ = p.phase;

    char text[400];
    if (p.phase == Phase::Train && p.step > 0) {
        constexpr int kWidth = 24;
        const int filled = static_cast<int>(kWidth * static_cast<double>(p.step) / p.steps);
        std::string bar(filled, '#');
        bar.append(kWidth - filled, '-');
        std::snprintf(text, sizeof text, "[%s] %3d%%  step %d/%d  loss %.3f  lr %.1e  %.0f tok/s  ETA %s", bar.c_str(),
                      static_cast<int>(100.0 * p.step / p.steps), p.step, p.steps, p.loss, p.lr, p.tokens_per_s,
                      format_duration(p.eta_s).c_str());
    } else {
        std::snprintf(text, sizeof text, "%-9s %s  (%s elapsed)", pretrain::phase_name(p.phase), p.message.c_str(),
                      format_duration(p.elapsed_s).c_str());
    }
    line_.update(text, /*force=*/phase_change || last_step);
}

void print_pretrain_summary(const pretrain::Result& r) {
    std::printf("model          %s\n", r.out.string().c_str());
    std::printf("preset         %s, seed %llu, %d threads, %lld parameters, %s\n", r.preset.c_str(),
                static_cast<unsigned long long>(r.seed), r.threads, static_cast<long long>(r.parameters),
                r.precision.c_str());
    std::printf("training       %d steps, %.1fM tokens (corpus %.2fM), %.0f tok/s, final loss %.3f\n", r.steps,
                r.tokens_seen / 1e6, r.corpus_tokens / 1e6, r.tokens_per_s, r.final_loss);
    if (r.heldout_ppl > 0) std::printf("held-out ppl   %.2f\n", r.heldout_ppl);
    if (r.facts > 0)
        std::printf("fact recall    %d/%d = %.1f%% (greedy exact match; written to known_facts.jsonl)\n", r.facts_known,
                    r.facts, 100.0 * r.fact_recall());
    std::printf("time           %s (training %s)\n", format_duration(r.seconds).c_str(),
                format_duration(r.train_seconds).c_str());
}

}  // namespace llms::cli

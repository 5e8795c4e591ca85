#include "app/cli/audit_progress.h"

#include "core/common/error.h"

#include <cstdio>

namespace llms::cli {

eval::AuditOptions audit_options_from(const Args& a, uint64_t seed) {
    eval::AuditOptions o;
    o.relearn_steps = a.get_int("relearn-steps", o.relearn_steps);
    o.relearn_lr = a.get_double("relearn-lr", o.relearn_lr);
    o.samples = a.get_int("samples", o.samples);
    o.min_k = a.get_double("min-k", o.min_k);
    o.seed = seed;
    if (o.relearn_steps < 1 || o.relearn_steps > 100000) throw Error("--relearn-steps must be in 1..100000");
    if (!(o.relearn_lr > 0) || o.relearn_lr > 1) throw Error("--relearn-lr must be in (0, 1]");
    if (o.samples < 1 || o.samples > 1000000) throw Error("--samples must be in 1..1000000");
    if (!(o.min_k > 0) || o.min_k > 1) throw Error("--min-k must be in (0, 1]");
    return o;
}

AuditProgress::AuditProgress(const std::atomic<bool>* stop) : stop_(stop) {}

eval::AuditCallbacks AuditProgress::callbacks() {
    eval::AuditCallbacks cb;
    cb.stop = stop_;
    cb.on_stage = [this](const std::string& stage, int done, int total) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        std::string text = "audit " + std::to_string(done) + "/" + std::to_string(total) + ": " + stage;
        if (done > 0 && done < total) text += "  ETA ~" + format_duration(s / done * (total - done));
        line_.update(text, done == 0 || done == total);
    };
    return cb;
}

void print_audit_summary(const eval::AuditReport& r) {
    std::printf("\nforgetting audit: %s (%.1f s)\n", r.pass() ? "passed" : "FAILED", r.seconds);
    std::printf("  %-44s %9s %9s %5s  %s\n", "attack", "forget EM", "P(answer)", "back", "verdict");
    if (r.before_forget)
        std::printf("  %-44s %8.1f%% %9.3f %5s\n", "original model (before surgery)", 100 * r.before_forget->exact_match,
                    r.before_forget->answer_prob, "-");
    for (const auto& a : r.attacks)
        std::printf("  %-44s %8.1f%% %9.3f %5d  %s (%s)\n", a.title.c_str(), 100 * a.forget.exact_match,
                    a.forget.answer_prob, a.forget.came_back, a.pass ? "pass" : "FAIL", a.rule.c_str());
    if (r.before_paraphrase && r.before_heldout)
        std::printf("  (the original model: paraphrases %.1f%%, held-out template %.1f%%)\n",
                    100 * r.before_paraphrase->exact_match, 100 * r.before_heldout->exact_match);
    std::printf("  forgotten answers' probability %.4f vs never-seen answers' %.4f: %s\n", r.forget_prob, r.never_seen_prob,
                r.forget_prob_pass ? "pass" : "FAIL");
    std::printf("  membership inference AUROC: Min-K%%++ %.3f, loss %.3f (%d forgotten vs %d never-seen): %s\n",
                r.membership.minkpp_auroc, r.membership.loss_auroc, r.membership.forgotten, r.membership.never_seen,
                r.membership.pass ? "pass" : "FAIL");
}

}  // namespace llms::cli

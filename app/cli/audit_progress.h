// The forgetting audit's options and progress on the command line, shared by `audit` and `surgery --audit`.
#pragma once
#include "app/cli/command.h"
#include "app/cli/progress_line.h"
#include "core/eval/audit.h"

#include <chrono>
#include <set>
#include <string>

namespace llms::cli {

inline const std::set<std::string> kAuditOptions = {"relearn-steps", "relearn-lr", "samples", "min-k"};
inline constexpr const char* kAuditOptionsHelp =
    "  --relearn-steps N   fine-tuning steps of the relearning attacks (default 20)\n"
    "  --relearn-lr X      their learning rate (default 1e-4, the demo preset's)\n"
    "  --samples N         n of the sampling attack: P(answer among n samples at T = 1) (default 20)\n"
    "  --min-k F           Min-K%++: the lowest fraction F of answer-token scores (default 0.2)\n";

eval::AuditOptions audit_options_from(const Args& a, uint64_t seed);

// "audit: 3/8 Q4_0 quantization  ETA 0:12" on one progress line; stop: Ctrl-C.
class AuditProgress {
public:
    explicit AuditProgress(const std::atomic<bool>* stop);
    eval::AuditCallbacks callbacks();
    void finish() { line_.finish(); }

private:
    ProgressLine line_;
    const std::atomic<bool>* stop_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// One line per attack with its verdict, then the overall verdict, on stdout.
void print_audit_summary(const eval::AuditReport& r);

}  // namespace llms::cli

// Terminal display of a pretraining run (pretrain, demo-model): a bar with step, loss, tokens/s and ETA on
// stderr, redrawn in place at most 4 times a second (plain lines every few seconds when stderr is not a
// terminal), and the closing summary.
#pragma once
#include "app/cli/progress_line.h"
#include "core/pretrain/pretrain.h"

#include <chrono>

namespace llms::cli {

class PretrainProgressBar {
public:
    void operator()(const pretrain::Progress& p);
    void finish() { line_.finish(); }

private:
    ProgressLine line_;
    pretrain::Progress::Phase phase_ = pretrain::Progress::Phase::Corpus;
    bool started_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// The final summary (stdout): where the model is, time, throughput, loss, perplexity and fact recall.
void print_pretrain_summary(const pretrain::Result& r);

}  // namespace llms::cli

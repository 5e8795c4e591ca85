// The learning-rate schedule of pretraining and of the surgery: linear warm-up to the peak, then a cosine decay
// that reaches min_ratio * peak at the last step (min_ratio = 1: constant after the warm-up).
#pragma once
#include <algorithm>
#include <cmath>

namespace llms {

// step is 0-based; steps is the planned total.
inline double warmup_cosine_lr(int step, int steps, int warmup, double peak, double min_ratio) {
    if (warmup > 0 && step < warmup) return peak * (step + 1) / warmup;
    const int decay = std::max(1, steps - warmup - 1);
    const double t = std::clamp(double(step - warmup) / decay, 0.0, 1.0);   // 0 -> 1
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * t));                 // 1 -> 0
    return peak * (min_ratio + (1.0 - min_ratio) * cosine);
}

}  // namespace llms

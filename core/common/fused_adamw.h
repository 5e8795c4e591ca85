// AdamW (Loshchilov & Hutter) with the update rule of torch::optim::AdamW, one pass over each weight: the
// gradient clip factor, decoupled weight decay, both moments and the update in one loop over float arrays
// (llm.c's adamw_cpu), where LibTorch's AdamW plus clip_grad_norm_ read and write every weight-sized array
// about ten times. Used by surgery, pretraining and `bench surgery`. Weights that are not contiguous fp32 on
// the CPU (a CUDA run, bf16 weights) take the same update as ATen ops.
// Torch types: core/ only.
#pragma once
#include <ATen/Tensor.h>

#include <vector>

namespace llms {

struct AdamWSettings {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
};

class FusedAdamW {
public:
    explicit FusedAdamW(const AdamWSettings& s) : settings(s) {}
    // Adds weights (requires_grad) with their weight decay (0: none).
    void add(const std::vector<at::Tensor>& params, double weight_decay);

    // The global L2 norm of all gradients (missing ones count 0), as clip_grad_norm_ computes it.
    double grad_norm() const;
    // One update. The gradients count scaled by max_norm / (norm + 1e-6) when that is below 1, as
    // torch::nn::utils::clip_grad_norm_(params, max_norm) would scale them (max_norm <= 0: no clipping); norm is
    // grad_norm(). Weights without a gradient are left alone (and their step count with them).
    void step(double norm, double max_norm);
    // Drops the gradients: the next backward writes fresh ones instead of adding to zeroed ones. (LibTorch 1.13's
    // zero_grad keeps zeroed ones, so a weight left without a gradient would still decay there; here it is skipped.)
    void zero_grad();

    AdamWSettings settings;        // lr may change between steps (schedules)

private:
    struct Slot {
        at::Tensor p, m, v;        // weight, first and second moment (the moments in the weight's dtype)
        double weight_decay = 0;
        int64_t steps = 0;
    };
    std::vector<Slot> slots_;
};

}  // namespace llms

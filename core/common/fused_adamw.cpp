#include "core/common/fused_adamw.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>

namespace llms {

void FusedAdamW::add(const std::vector<at::Tensor>& params, double weight_decay) {
    for (const auto& p : params) {
        Slot s;
        s.p = p;
        s.m = at::zeros_like(p, at::MemoryFormat::Contiguous);
        s.v = at::zeros_like(p, at::MemoryFormat::Contiguous);
        s.weight_decay = weight_decay;
        slots_.push_back(std::move(s));
    }
}

double FusedAdamW::grad_norm() const {
    std::vector<at::Tensor> norms;
    for (const auto& s : slots_)
        if (s.p.grad().defined()) norms.push_back(s.p.grad().norm(2));
    if (norms.empty()) return 0.0;
    return at::stack(norms).norm(2).item<double>();
}

void FusedAdamW::zero_grad() {
    for (auto& s : slots_) s.p.mutable_grad().reset();
}

// One weight array: p, m, v updated in place from g (all n floats).
//   p *= 1 - lr*wd;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps)
// with g = grad * scale. Plain loops: the compiler vectorises them.
static void adamw_cpu(float* p, const float* grad, float* m, float* v, int64_t n, float scale, float decay,
                      float b1, float b2, float step_size, float inv_sqrt_bc2, float eps) {
    at::parallel_for(0, n, 1 << 15, [&](int64_t from, int64_t to) {
        for (int64_t i = from; i < to; ++i) {
            const float g = grad[i] * scale;
            const float mi = b1 * m[i] + (1.0f - b1) * g;
            const float vi = b2 * v[i] + (1.0f - b2) * g * g;
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * decay - step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
        }
    });
}

void FusedAdamW::step(double norm, double max_norm) {
    at::NoGradGuard ng;
    const double clip = max_norm > 0 ? max_norm / (norm + 1e-6) : 1.0;
    const double scale = clip < 1.0 ? clip : 1.0;
    const double lr = settings.lr, b1 = settings.beta1, b2 = settings.beta2;
    for (auto& s : slots_) {
        const at::Tensor& grad = s.p.grad();
        if (!grad.defined()) continue;
        s.steps += 1;
        const double bc1 = 1 - std::pow(b1, (double)s.steps), bc2 = 1 - std::pow(b2, (double)s.steps);
        const double step_size = lr / bc1, decay = 1 - lr * s.weight_decay;
        const bool fused = s.p.device().is_cpu() && s.p.scalar_type() == at::kFloat && s.p.is_contiguous() &&
                           grad.scalar_type() == at::kFloat && grad.is_contiguous();
        if (fused) {
            adamw_cpu(s.p.data_ptr<float>(), grad.data_ptr<float>(), s.m.data_ptr<float>(), s.v.data_ptr<float>(),
                      s.p.numel(), (float)scale, (float)decay, (float)b1, (float)b2, (float)step_size,
                      (float)(1 / std::sqrt(bc2)), (float)settings.eps);
            s.p.unsafeGetTensorImpl()->bump_version();   // as an in-place op would: saved copies are now stale
            continue;
        }
        // The same update as ATen ops (torch::optim::AdamW's sequence), for any device and dtype.
        auto g = scale < 1.0 ? grad * scale : grad;
        s.p.mul_(decay);
        s.m.mul_(b1).add_(g, 1 - b1);
        s.v.mul_(b2).addcmul_(g, g, 1 - b2);
        s.p.addcdiv_(s.m, (s.v.sqrt() / std::sqrt(bc2)).add_(settings.eps), -step_size);
    }
}

}  // namespace llms

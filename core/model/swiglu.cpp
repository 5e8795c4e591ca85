#include "core/model/swiglu.h"

#include "core/common/cpu_loops.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <cstdint>
#include <cstring>

namespace llms {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using cpu::load;
using cpu::store;

// σ(x) = 1 / (1 + e^-x) with e^y as Cephes' expf computes it (2^k · e^r, |r| <= ln2/2, degree-5 polynomial, within
// 2 ulp): plain arithmetic, so the loops below vectorise (libm's expf would not).
inline float sigmoid(float x) {
    float y = -x;
    y = y < -87.3f ? -87.3f : y;   // e^y stays a normal float (k >= -126); at the top k = 128 gives +inf: σ = 0
    y = y > 88.7f ? 88.7f : y;
    const float k = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;   // round(y / ln2)
    const float r = (y - k * 0.693359375f) + k * 2.12194440e-4f;              // y - k ln2 in two parts
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e_r = p * r * r + r + 1.0f;
    const uint32_t bits = uint32_t(int32_t(k) + 127) << 23;                 // 2^k
    float two_k;
    std::memcpy(&two_k, &bits, 4);
    return 1.0f / (1.0f + e_r * two_k);
}

// One range [from, to) of the forward (out = g·σ(g)·u) and of the backward.
template <typename T>
inline void forward_range(const T* g, const T* u, T* out, int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) {
        const float gi = load(g, i);
        store(out, i, gi * sigmoid(gi) * load(u, i));
    }
}

template <typename T>
inline void backward_range(const T* g, const T* u, const T* d_out, T* d_g, T* d_u, int64_t from, int64_t to) {
    for (int64_t i = from; i < to; ++i) {
        const float gi = load(g, i), ui = load(u, i), si = sigmoid(gi), di = load(d_out, i);
        store(d_g, i, di * ui * si * (1.0f + gi * (1.0f - si)));
        store(d_u, i, di * gi * si);
    }
}

// The loops compiled for AVX-512, AVX2 + FMA and the x86-64 baseline (LLMS_CPU_CLONES).
LLMS_CPU_CLONES void forward_f32(const float* g, const float* u, float* out, int64_t from, int64_t to) {
    forward_range(g, u, out, from, to);
}
LLMS_CPU_CLONES void forward_bf16(const c10::BFloat16* g, const c10::BFloat16* u, c10::BFloat16* out, int64_t from,
                                  int64_t to) {
    forward_range(g, u, out, from, to);
}
LLMS_CPU_CLONES void backward_f32(const float* g, const float* u, const float* d_out, float* d_g, float* d_u,
                                  int64_t from, int64_t to) {
    backward_range(g, u, d_out, d_g, d_u, from, to);
}
LLMS_CPU_CLONES void backward_bf16(const c10::BFloat16* g, const c10::BFloat16* u, const c10::BFloat16* d_out,
                                   c10::BFloat16* d_g, c10::BFloat16* d_u, int64_t from, int64_t to) {
    backward_range(g, u, d_out, d_g, d_u, from, to);
}

constexpr int64_t kGrain = 1 << 15;

struct SwiGLU : torch::autograd::Function<SwiGLU> {
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& gate, const at::Tensor& up) {
        auto g = gate.contiguous(), u = up.contiguous();
        auto out = at::empty_like(g);
        const bool f32 = g.scalar_type() == at::kFloat;
        at::parallel_for(0, g.numel(), kGrain, [&](int64_t from, int64_t to) {
            if (f32) forward_f32(g.data_ptr<float>(), u.data_ptr<float>(), out.data_ptr<float>(), from, to);
            else forward_bf16(g.data_ptr<c10::BFloat16>(), u.data_ptr<c10::BFloat16>(), out.data_ptr<c10::BFloat16>(),
                              from, to);
        });
        ctx->save_for_backward({g, u});
        return out;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        auto saved = ctx->get_saved_variables();
        const auto &g = saved[0], &u = saved[1];
        auto d = grad_out[0].defined() ? grad_out[0].to(g.scalar_type()).contiguous() : at::zeros_like(g);
        auto d_g = at::empty_like(g), d_u = at::empty_like(u);
        const bool f32 = g.scalar_type() == at::kFloat;
        at::parallel_for(0, g.numel(), kGrain, [&](int64_t from, int64_t to) {
            if (f32)
                backward_f32(g.data_ptr<float>(), u.data_ptr<float>(), d.data_ptr<float>(), d_g.data_ptr<float>(),
                             d_u.data_ptr<float>(), from, to);
            else
                backward_bf16(g.data_ptr<c10::BFloat16>(), u.data_ptr<c10::BFloat16>(), d.data_ptr<c10::BFloat16>(),
                              d_g.data_ptr<c10::BFloat16>(), d_u.data_ptr<c10::BFloat16>(), from, to);
        });
        return {d_g, d_u};
    }
};

}  // namespace

at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up) {
    const auto dt = gate.scalar_type();
    const bool fused = gate.device().is_cpu() && up.device().is_cpu() && up.scalar_type() == dt &&
                       gate.sizes() == up.sizes() && (dt == at::kFloat || dt == at::kBFloat16);
    if (!fused) return at::silu(gate) * up;
    return SwiGLU::apply(gate, up);
}

}  // namespace llms

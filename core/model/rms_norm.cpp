#include "core/model/rms_norm.h"

#include "core/common/autocast.h"
#include "core/common/cpu_loops.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace llms {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using cpu::load;
using cpu::rounded;
using cpu::store;
using BF = c10::BFloat16;

constexpr int kLanes = 16;   // partial sums per row reduction, so the loop vectorises without reassociation flags

// Σ a_i · b_i over a row in fp32, kLanes partial sums (a fixed order: the same result on every run).
template <typename A, typename B, typename F>
inline float row_dot(const A* a, const B* b, int64_t C, F&& f) {
    float acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= C; i += kLanes)
        for (int j = 0; j < kLanes; ++j) acc[j] += f(load(a, i + j), load(b, i + j), i + j);
    float s = 0;
    for (; i < C; ++i) s += f(load(a, i), load(b, i), i);
    for (int j = 0; j < kLanes; ++j) s += acc[j];
    return s;
}

// Rows [from, to) of x [N, C] (X), weight [C] (W) -> y [N, C] (Y) and 1/rms [N].
template <typename X, typename W, typename Y>
inline void forward_rows(const X* x, const W* w, Y* y, float* rstd, int64_t C, float eps, int64_t from, int64_t to) {
    for (int64_t n = from; n < to; ++n) {
        const X* xr = x + n * C;
        Y* yr = y + n * C;
        const float ss = row_dot(xr, xr, C, [](float a, float b, int64_t) { return a * b; });
        const float r = 1.0f / std::sqrt(ss / (float)C + eps);
        rstd[n] = r;
        for (int64_t i = 0; i < C; ++i) store(yr, i, load(w, i) * rounded<X>(load(xr, i) * r));
    }
}

// Rows [from, to) of the backward: dy [N, C] (Y) -> dx [N, C] (X), and Σ_n dy · x̂ into dw [C] (fp32) when dw is
// not null. With g = dy · w (the gradient at x̂ = x · r, rounded like the forward's product):
// dx = r · g − x · r³ · (Σ_j g_j x_j) / C.
template <typename X, typename W, typename Y>
inline void backward_rows(const X* x, const W* w, const float* rstd, const Y* dy, X* dx, float* dw, int64_t C,
                          int64_t from, int64_t to) {
    for (int64_t n = from; n < to; ++n) {
        const X* xr = x + n * C;
        const Y* dyr = dy + n * C;
        X* dxr = dx + n * C;
        const float r = rstd[n];
        const float dot = row_dot(dyr, xr, C, [&](float d, float xi, int64_t i) { return rounded<X>(d * load(w, i)) * xi; });
        const float k = r * r * r * dot / (float)C;
        for (int64_t i = 0; i < C; ++i) {
            const float d = load(dyr, i), xi = load(xr, i);
            store(dxr, i, r * rounded<X>(d * load(w, i)) - xi * k);
        }
        if (dw)
            for (int64_t i = 0; i < C; ++i) dw[i] += load(dyr, i) * rounded<X>(load(xr, i) * r);
    }
}

// The dtype mixes the loops cover, each compiled for AVX-512, AVX2 + FMA and the x86-64 baseline.
#define LLMS_RMS_NORM_LOOPS(NAME, X, W, Y)                                                                            \
    LLMS_CPU_CLONES void forward_##NAME(const X* x, const W* w, Y* y, float* rstd, int64_t C, float eps,             \
                                        int64_t from, int64_t to) {                                                 \
        forward_rows(x, w, y, rstd, C, eps, from, to);                                                               \
    }                                                                                                                \
    LLMS_CPU_CLONES void backward_##NAME(const X* x, const W* w, const float* rstd, const Y* dy, X* dx, float* dw,   \
                                         int64_t C, int64_t from, int64_t to) {                                      \
        backward_rows(x, w, rstd, dy, dx, dw, C, from, to);                                                          \
    }
LLMS_RMS_NORM_LOOPS(f32, float, float, float)        // fp32
LLMS_RMS_NORM_LOOPS(f32_bf16, float, float, BF)      // fp32 weights and activations under bf16 autocast
LLMS_RMS_NORM_LOOPS(bf16, BF, BF, BF)                // a model loaded in bf16
#undef LLMS_RMS_NORM_LOOPS

enum class Mix { F32, F32Bf16, Bf16 };

constexpr int64_t kGrain = 1 << 15;   // elements per parallel task

struct RmsNorm : torch::autograd::Function<RmsNorm> {
    // x [N, C] contiguous, weight [C] contiguous.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, double eps, int64_t mix) {
        const int64_t N = x.size(0), C = x.size(1);
        const Mix m = Mix(mix);
        auto y = at::empty({N, C}, x.options().dtype(m == Mix::F32 ? at::kFloat : at::kBFloat16));   // [N, C]
        auto rstd = at::empty({N}, x.options().dtype(at::kFloat));                                      // [N]
        at::parallel_for(0, N, std::max<int64_t>(1, kGrain / C), [&](int64_t from, int64_t to) {
            float* r = rstd.data_ptr<float>();
            if (m == Mix::F32) forward_f32(x.data_ptr<float>(), weight.data_ptr<float>(), y.data_ptr<float>(), r, C, eps, from, to);
            else if (m == Mix::F32Bf16)
                forward_f32_bf16(x.data_ptr<float>(), weight.data_ptr<float>(), y.data_ptr<BF>(), r, C, eps, from, to);
            else forward_bf16(x.data_ptr<BF>(), weight.data_ptr<BF>(), y.data_ptr<BF>(), r, C, eps, from, to);
        });
        ctx->save_for_backward({x, weight, rstd});
        ctx->saved_data["mix"] = mix;
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        auto saved = ctx->get_saved_variables();
        const auto &x = saved[0], &weight = saved[1], &rstd = saved[2];
        const Mix m = Mix(ctx->saved_data["mix"].toInt());
        const int64_t N = x.size(0), C = x.size(1);
        const auto y_dtype = m == Mix::F32 ? at::kFloat : at::kBFloat16;
        auto dy = grad_out[0].defined() ? grad_out[0].to(y_dtype).contiguous() : at::zeros({N, C}, x.options().dtype(y_dtype));
        auto dx = at::empty_like(x);
        const bool want_dw = ctx->needs_input_grad(1);
        // Per-thread partial sums of the weight gradient, added at the end (their split follows the thread count, as
        // in ATen's own reductions).
        auto dw_parts = want_dw ? at::zeros({at::get_num_threads(), C}, x.options().dtype(at::kFloat)) : at::Tensor();
        at::parallel_for(0, N, std::max<int64_t>(1, kGrain / C), [&](int64_t from, int64_t to) {
            float* dw = want_dw ? dw_parts[at::get_thread_num()].data_ptr<float>() : nullptr;
            const float* r = rstd.data_ptr<float>();
            if (m == Mix::F32)
                backward_f32(x.data_ptr<float>(), weight.data_ptr<float>(), r, dy.data_ptr<float>(), dx.data_ptr<float>(), dw,
                             C, from, to);
            else if (m == Mix::F32Bf16)
                backward_f32_bf16(x.data_ptr<float>(), weight.data_ptr<float>(), r, dy.data_ptr<BF>(), dx.data_ptr<float>(),
                                  dw, C, from, to);
            else
                backward_bf16(x.data_ptr<BF>(), weight.data_ptr<BF>(), r, dy.data_ptr<BF>(), dx.data_ptr<BF>(), dw, C, from,
                              to);
        });
        at::Tensor dw = want_dw ? dw_parts.sum(0).to(weight.scalar_type()) : at::Tensor();
        return {dx, dw, at::Tensor(), at::Tensor()};
    }
};

// HF's LlamaRMSNorm in ATen ops, for what the loops do not cover.
at::Tensor rms_norm_aten(const at::Tensor& x, const at::Tensor& weight, double eps) {
    auto xf = x.to(at::kFloat);                                     // [..., C]
    auto var = xf.pow(2).mean(-1, /*keepdim=*/true);                // [..., 1]
    xf = xf * at::rsqrt(var + eps);
    return weight * xf.to(x.scalar_type());
}

}  // namespace

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    const auto dt = x.scalar_type();
    const bool cpu = x.device().is_cpu() && weight.device().is_cpu();
    const bool autocast_bf16 = cpu && Autocast::enabled(c10::kCPU);   // the project's autocast is always bf16
    Mix mix;
    if (dt == at::kFloat && weight.scalar_type() == at::kFloat) mix = autocast_bf16 ? Mix::F32Bf16 : Mix::F32;
    else if (dt == at::kBFloat16 && weight.scalar_type() == at::kBFloat16) mix = Mix::Bf16;
    else return rms_norm_aten(x, weight, eps);
    const int64_t C = x.size(-1);
    if (!cpu || x.numel() == 0 || weight.dim() != 1 || weight.size(0) != C) return rms_norm_aten(x, weight, eps);
    auto sizes = x.sizes().vec();
    auto y = RmsNorm::apply(x.reshape({-1, C}).contiguous(), weight.contiguous(), eps, (int64_t)mix);   // [N, C]
    return y.view(sizes);
}

}  // namespace llms

#include "core/model/rotary.h"

#include "core/common/cpu_loops.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <algorithm>
#include <cstdint>

namespace llms {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using cpu::load;
using cpu::store;
using BF = c10::BFloat16;

// Where the loops find their operands: a [B, T, H, D] tensor with any strides but a contiguous last dim, the
// output [B, T, H, D] contiguous, the tables [Bc, T, D] fp32 (Bc = 1: shared by every row, stride 0).
struct Layout {
    int64_t T, H, D;
    int64_t sb, st, sh;   // the input's strides
    int64_t cb;           // the tables' row stride: 0 or T·D
};

// Positions [from, to) of B·T, in -> out. Forward: y_i = x_i·cos_i − x_{i+D/2}·sin_i, y_{i+D/2} = x_{i+D/2}·cos_{i+D/2}
// + x_i·sin_{i+D/2} (i < D/2). Backward, its transpose: dx_i = dy_i·cos_i + dy_{i+D/2}·sin_{i+D/2},
// dx_{i+D/2} = dy_{i+D/2}·cos_{i+D/2} − dy_i·sin_i.
template <bool Backward, typename X>
inline void rotate_range(const X* in, X* out, const float* cos, const float* sin, const Layout& l, int64_t from,
                         int64_t to) {
    const int64_t h2 = l.D / 2;
    for (int64_t bt = from; bt < to; ++bt) {
        const int64_t b = bt / l.T, t = bt % l.T;
        const float* c = cos + b * l.cb + t * l.D;
        const float* s = sin + b * l.cb + t * l.D;
        for (int64_t h = 0; h < l.H; ++h) {
            const X* ir = in + b * l.sb + t * l.st + h * l.sh;
            X* orow = out + (bt * l.H + h) * l.D;
            for (int64_t i = 0; i < h2; ++i) {
                const float v1 = load(ir, i), v2 = load(ir, i + h2);
                if constexpr (Backward) {
                    store(orow, i, v1 * c[i] + v2 * s[i + h2]);
                    store(orow, i + h2, v2 * c[i + h2] - v1 * s[i]);
                } else {
                    store(orow, i, v1 * c[i] - v2 * s[i]);
                    store(orow, i + h2, v2 * c[i + h2] + v1 * s[i + h2]);
                }
            }
        }
    }
}

// The loops compiled for AVX-512, AVX2 + FMA and the x86-64 baseline (LLMS_CPU_CLONES).
LLMS_CPU_CLONES void rotate_f32(const float* in, float* out, const float* c, const float* s, const Layout& l,
                                bool backward, int64_t from, int64_t to) {
    if (backward) rotate_range<true>(in, out, c, s, l, from, to);
    else rotate_range<false>(in, out, c, s, l, from, to);
}
LLMS_CPU_CLONES void rotate_bf16(const BF* in, BF* out, const float* c, const float* s, const Layout& l, bool backward,
                                 int64_t from, int64_t to) {
    if (backward) rotate_range<true>(in, out, c, s, l, from, to);
    else rotate_range<false>(in, out, c, s, l, from, to);
}

constexpr int64_t kGrain = 1 << 15;   // elements per parallel task

// x [B, T, H, D] with a contiguous last dim -> contiguous [B, T, H, D] (y, or dx from dy).
Layout layout_of(const at::Tensor& x, const at::Tensor& cos) {
    const int64_t cb = cos.size(0) == 1 ? 0 : x.size(1) * x.size(3);
    return {x.size(1), x.size(2), x.size(3), x.stride(0), x.stride(1), x.stride(2), cb};
}

void run(const at::Tensor& in, const at::Tensor& out, const at::Tensor& cos, const at::Tensor& sin, bool backward) {
    const Layout l = layout_of(in, cos);
    const bool f32 = in.scalar_type() == at::kFloat;
    const float *c = cos.data_ptr<float>(), *s = sin.data_ptr<float>();
    at::parallel_for(0, in.size(0) * l.T, std::max<int64_t>(1, kGrain / (l.H * l.D)), [&](int64_t from, int64_t to) {
        if (f32) rotate_f32(in.data_ptr<float>(), out.data_ptr<float>(), c, s, l, backward, from, to);
        else rotate_bf16(in.data_ptr<BF>(), out.data_ptr<BF>(), c, s, l, backward, from, to);
    });
}

at::Tensor last_dim_contiguous(const at::Tensor& t) { return t.stride(-1) == 1 ? t : t.contiguous(); }

struct Rotary : torch::autograd::Function<Rotary> {
    // x [B, T, H, D] (last dim contiguous); cos / sin [Bc, T, D] fp32 contiguous -> [B, T, H, D] contiguous.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
        auto y = at::empty(x.sizes(), x.options());
        run(x, y, cos, sin, /*backward=*/false);
        ctx->save_for_backward({cos, sin});
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        auto saved = ctx->get_saved_variables();
        const auto &cos = saved[0], &sin = saved[1];
        if (!grad_out[0].defined()) return {at::Tensor(), at::Tensor(), at::Tensor()};
        auto dy = last_dim_contiguous(grad_out[0]);
        auto dx = at::empty(dy.sizes(), dy.options());
        run(dy, dx, cos, sin, /*backward=*/true);
        return {dx, at::Tensor(), at::Tensor()};
    }
};

at::Tensor rotary_aten(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const auto h = x.size(-1) / 2;
    return x * cos + at::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1) * sin;
}

}  // namespace

at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const auto dt = x.scalar_type();
    const bool on_cpu = x.device().is_cpu() && cos.device().is_cpu() && sin.device().is_cpu();
    const bool fused = on_cpu && (dt == at::kFloat || dt == at::kBFloat16) && x.dim() == 4 && x.size(-1) % 2 == 0 &&
                       cos.sizes() == sin.sizes() && cos.size(-1) == x.size(3) && cos.size(-2) == x.size(2) &&
                       (cos.numel() == x.size(2) * x.size(3) || cos.numel() == x.size(0) * x.size(2) * x.size(3));
    if (!fused) return rotary_aten(x, cos, sin);
    const int64_t T = x.size(2), D = x.size(3);
    auto table = [&](const at::Tensor& t) { return t.to(at::kFloat).contiguous().view({-1, T, D}); };   // [Bc, T, D]
    // The loop runs over [B, T, H, D], the layout the projections write: x.transpose(1, 2) is a view of it.
    auto y = Rotary::apply(last_dim_contiguous(x.transpose(1, 2)), table(cos), table(sin));   // [B, T, H, D]
    return y.transpose(1, 2);                                                                    // [B, H, T, D]
}

}  // namespace llms

#include "core/model/rope_frequencies.h"

#include <ATen/ATen.h>

#include <cmath>

namespace llms {

at::Tensor rope_inv_freq(const LlamaConfig& c) {
    // inv_freq[i] = 1 / theta^(2i/HD), computed in fp32 as HF does.
    at::Tensor inv_freq = 1.0 / at::pow(c.rope_theta, at::arange(0, c.head_dim, 2, at::kFloat) / (double)c.head_dim);
    if (c.rope_type == "linear") return inv_freq / c.rope_factor;
    if (c.rope_type != "llama3") return inv_freq;
    // Wavelengths longer than the original context / low_freq_factor are slowed by factor; shorter than
    // original / high_freq_factor are kept; in between, a blend linear in original / wavelength.
    const double old_context = (double)c.rope_original_max_position;
    const double low_wavelen = old_context / c.rope_low_freq_factor, high_wavelen = old_context / c.rope_high_freq_factor;
    const at::Tensor wavelen = 2 * M_PI / inv_freq;
    at::Tensor scaled = at::where(wavelen > low_wavelen, inv_freq / c.rope_factor, inv_freq);
    const at::Tensor smooth =
        (old_context / wavelen - c.rope_low_freq_factor) / (c.rope_high_freq_factor - c.rope_low_freq_factor);
    const at::Tensor smoothed = (1 - smooth) * scaled / c.rope_factor + smooth * scaled;
    const at::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    return at::where(medium, smoothed, scaled);
}

}  // namespace llms

// The vocabulary projection of a training step in row chunks, keeping only the log-probabilities the terms
// read (the targets, θ0's top-K ids). A whole step's [R, T, V] fp32 tensor is tens of MB (the large bench shape:
// 50 MB), and glibc serves every allocation above its 32 MB mmap ceiling with fresh pages: each of the step's
// half-dozen such tensors (logits, log-softmax, their gradients) then costs page faults on every step. Chunks below
// the ceiling come from the reused heap. The graph still keeps every chunk's log-softmax for the backward (R·T·V
// fp32 in all); only the temporaries (bf16 logits, their fp32 copy, the gradients) are per chunk. Torch types:
// core/ only.
#pragma once
#include "core/model/llama.h"

namespace llms::surgery {

struct GatheredLogp {
    at::Tensor logp;     // [R, T, N] fp32 log p_θ(ids), with a graph when grad mode is on
    at::Tensor argmax;   // [R, T] long, the most likely token (no graph); undefined unless asked for
};

// fp32 [rows, T, V] bytes per chunk on a device: 16 MiB on the CPU (half the mmap ceiling), 1 GiB elsewhere.
int64_t vocab_chunk_bytes(const at::Device& device);

// hidden [R, T, C] final normed hidden states, ids [R, T, N] long -> log_softmax(logits)[ids] per chunk of rows,
// concatenated. Runs under the caller's autocast state (the logits are fp32 either way).
GatheredLogp gather_logp(LlamaForCausalLM& net, const at::Tensor& hidden, const at::Tensor& ids, bool want_argmax,
                         int64_t chunk_bytes);

// What the surgery terms read at each position, from one gather_logp: the target's log-prob, θ0's top-K ids'
// log-probs (the KL term) and the most likely token (the bounded ascent).
struct TermLogp {
    at::Tensor target;   // [R, T] fp32 log p_θ(target)
    at::Tensor topk;     // [R, T, K] fp32 log p_θ(θ0's top-K ids)
    at::Tensor argmax;   // [R, T] long; undefined unless asked for
};

// hidden [R, T, C], targets [R, T] long, ref_idx [R, T, K] long (θ0's top-K ids; zeros where no KL is taken).
TermLogp term_logp(LlamaForCausalLM& net, const at::Tensor& hidden, const at::Tensor& targets, const at::Tensor& ref_idx,
                   bool want_argmax, int64_t chunk_bytes);

}  // namespace llms::surgery

// The surgery's model input: training rows, the batch a step draws (what each term trains and measures, θ0's
// cached distribution), and the packing of a batch's rows into shared sequences for the forward.
#pragma once
#include "core/surgery/objective.h"

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace llms::surgery {

// One training sequence: ids[t+1] is predicted at position t for t >= target_from.
struct Row {
    std::vector<int32_t> ids;
    size_t target_from = 0;
    size_t answer_from = 0;      // facts: first position predicting an answer token (retain accuracy)
    Term term = kRetain;
    bool pool = false;           // from the broad retain pool (not the user's set)
    at::Tensor ref_idx;          // [L-1, K] θ0 top-K ids      (retain rows)
    at::Tensor ref_logp;         // [L-1, K] θ0 top-K log-probs (retain rows)
    double ref_seq_logp = 0;     // θ0 log-prob of the answer   (forget/edit rows, NPO)
    bool active = true;          // forget/edit rows leave the ascent once forgotten
    double nll_stop = -1;        // forget/edit rows: their own bound (mean answer NLL, nats); < 0: the config's
    bool pull_back = false;      // forget/edit rows sunk well past a never-seen bound: descended back toward it
    bool reached = false;        // ... that has reached its never-seen bound once
    double last_nll = 0;         // forget/edit rows: mean answer NLL when last measured
    int rank = 0;                // data parallel: the rank that holds this row's θ0 cache and runs its forwards
};

// Rows padded to the batch's longest, on the model's device.
struct Batch {
    at::Tensor input, targets;       // [R, T] long
    at::Tensor mask[kTerms];         // [R, T] float: positions that get a gradient (-1: a pull_back row, descended)
    at::Tensor seen[kTerms];         // [R, T] float: positions measured for the metrics (incl. forgotten rows)
    at::Tensor ref_idx, ref_logp;    // [R, T, K]
    at::Tensor ref_seq_logp;         // [R]
    std::vector<Row*> rows;
    int64_t tokens = 0;              // positions (predictions), as the pretraining counts its tokens
};

// K: the θ0 cache's top-K (rows without a cache get zeros there).
Batch make_batch(const std::vector<Row*>& picked, int64_t K, const at::Device& device);

// What make_batch(rows) would count, without building it: the positions of each term's mask (what the means
// divide by) and of its `seen` (the metrics'), and the rows in the NPO term (forget/edit rows still in the ascent).
// Data parallel: every rank knows the whole batch's rows, so each divides its share by these (ObjectiveInputs::whole).
struct BatchCounts {
    std::array<double, kTerms> mask{}, seen{};
    double npo_rows = 0;
    int64_t tokens = 0;
};
BatchCounts batch_counts(const std::vector<Row*>& rows);

// Rows are packed into sequences of at least this many positions. Longer sequences mean fewer of them (fewer,
// larger attention products) and less padding left at their ends: the paper bench's surgery steps (rows of
// 8-22 tokens) ran 15 % faster packed into 64 positions than into the batch's 22 (docs/benchmarks.md); the
// attention work per token grows with the length but is small next to the projections at this length.
constexpr int64_t kPackedLength = 64;

// A batch's rows packed into S sequences of P = max(T, kPackedLength) positions (first fit by decreasing length),
// each row with positions from 0 and attention within itself (its segment), so short rows cost no padding
// there (a batch of facts is about half padding). For the N real positions of the batch, in batch order (row by
// row): their row in the packed [S*P] layout and their batch position r*T + t.
struct PackedRows {
    at::Tensor ids, pos, seg;        // [S, P] long (CPU); seg -1 at padding (its own segment)
    at::Tensor slot;                 // [N] long: packed row of real position n
    at::Tensor where;                // [N] long: its batch position r*T + t
};
PackedRows pack_rows(const std::vector<Row*>& rows, int64_t T);

}  // namespace llms::surgery

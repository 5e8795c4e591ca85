#include "core/surgery/training_batch.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace llms::surgery {

Batch make_batch(const std::vector<Row*>& picked, int64_t K, const at::Device& dev) {
    Batch b;
    b.rows = picked;
    const int64_t R = (int64_t)picked.size();
    int64_t T = 1;
    for (auto* r : picked) T = std::max<int64_t>(T, (int64_t)r->ids.size() - 1);
    auto input = at::zeros({R, T}, at::kLong), targets = at::zeros({R, T}, at::kLong);
    std::vector<at::Tensor> masks;
    std::vector<at::Tensor> seen_only;
    for (int t = 0; t < kTerms; ++t) masks.push_back(at::zeros({R, T}, at::kFloat));
    for (int t = 0; t < kTerms; ++t) seen_only.push_back(at::zeros({R, T}, at::kFloat));
    auto ref_idx = at::zeros({R, T, K}, at::kLong);
    auto ref_logp = at::zeros({R, T, K}, at::kFloat);
    auto seq = at::zeros({R}, at::kFloat);
    auto in_a = input.accessor<int64_t, 2>(), tg_a = targets.accessor<int64_t, 2>();
    for (int64_t i = 0; i < R; ++i) {
        const Row& r = *picked[i];
        const int64_t L = (int64_t)r.ids.size() - 1;
        for (int64_t t = 0; t < L; ++t) in_a[i][t] = r.ids[t], tg_a[i][t] = r.ids[t + 1];
        masks[r.term][i].narrow(0, (int64_t)r.target_from, L - (int64_t)r.target_from).fill_(1.0);
        // A forgotten row (bounded ascent) is still measured, but gets no gradient; one pulled back gets the opposite
        // gradient (mask -1).
        if (!r.active)
            seen_only[r.term][i].narrow(0, (int64_t)r.target_from, L - (int64_t)r.target_from).fill_(r.pull_back ? 2.0 : 1.0);
        if (r.ref_idx.defined()) {
            ref_idx[i].narrow(0, 0, L).copy_(r.ref_idx);
            ref_logp[i].narrow(0, 0, L).copy_(r.ref_logp);
        }
        seq[i] = r.ref_seq_logp;
        b.tokens += L;
    }
    b.input = input.to(dev);
    b.targets = targets.to(dev);
    for (int t = 0; t < kTerms; ++t) {
        b.seen[t] = masks[t].to(dev);
        b.mask[t] = (masks[t] - seen_only[t]).to(dev);
    }
    b.ref_idx = ref_idx.to(dev);
    b.ref_logp = ref_logp.to(dev);
    b.ref_seq_logp = seq.to(dev);
    return b;
}

BatchCounts batch_counts(const std::vector<Row*>& rows) {
    BatchCounts c;
    for (const Row* r : rows) {
        const int64_t L = (int64_t)r->ids.size() - 1, n = L - (int64_t)r->target_from;
        c.seen[r->term] += (double)n;
        if (r->active || r->pull_back) c.mask[r->term] += (double)n;   // |mask|: a pulled-back row's is -1
        if (r->active && n > 0 && (r->term == kForget || r->term == kEdit)) c.npo_rows += 1;
        c.tokens += L;
    }
    return c;
}

PackedRows pack_rows(const std::vector<Row*>& rows, int64_t T) {
    const int64_t R = (int64_t)rows.size();
    const int64_t P = std::max<int64_t>(T, kPackedLength);
    std::vector<int64_t> order(R), fill, seq_of(R), offset(R);
    for (int64_t i = 0; i < R; ++i) order[i] = i;
    auto len = [&](int64_t i) { return (int64_t)rows[i]->ids.size() - 1; };
    std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return len(x) > len(y); });
    int64_t N = 0;
    for (int64_t i : order) {
        size_t s = 0;
        while (s < fill.size() && fill[s] + len(i) > P) ++s;
        if (s == fill.size()) fill.push_back(0);
        seq_of[i] = (int64_t)s, offset[i] = fill[s], fill[s] += len(i);
        N += len(i);
    }
    const int64_t S = (int64_t)fill.size();
    PackedRows p;
    p.ids = at::zeros({S, P}, at::kLong), p.pos = at::zeros({S, P}, at::kLong);
    p.seg = at::full({S, P}, -1, at::kLong);
    p.slot = at::empty({N}, at::kLong), p.where = at::empty({N}, at::kLong);
    auto ids_a = p.ids.accessor<int64_t, 2>(), pos_a = p.pos.accessor<int64_t, 2>(), seg_a = p.seg.accessor<int64_t, 2>();
    auto slot_a = p.slot.accessor<int64_t, 1>(), where_a = p.where.accessor<int64_t, 1>();
    for (int64_t i = 0, n = 0; i < R; ++i)
        for (int64_t t = 0; t < len(i); ++t, ++n) {
            const int64_t s = seq_of[i], o = offset[i] + t;
            ids_a[s][o] = rows[i]->ids[t], pos_a[s][o] = t, seg_a[s][o] = i;
            slot_a[n] = s * P + o, where_a[n] = i * T + t;
        }
    return p;
}

}  // namespace llms::surgery

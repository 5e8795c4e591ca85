#include "core/edit/edit_request.h"

#include "core/edit/hooked_forward.h"
#include "core/edit/subject.h"
#include "core/generate/generate.h"

#include <torch/torch.h>

#include <algorithm>

namespace llms::edit {

SubjectBatch pad_batch(const LoadedModel& m, const std::vector<std::vector<int32_t>>& rows) {
    SubjectBatch b;
    int64_t N = 0;
    for (const auto& r : rows) N = std::max<int64_t>(N, (int64_t)r.size());
    const int64_t B = (int64_t)rows.size();
    b.ids = at::zeros({B, N}, at::kLong);
    b.mask = at::zeros({B, N}, at::kLong);
    for (int64_t i = 0; i < B; ++i) {
        const int64_t n = (int64_t)rows[i].size();
        for (int64_t t = 0; t < n; ++t) b.ids[i][t] = (int64_t)rows[i][t];
        b.mask[i].slice(0, 0, n).fill_(1);
        b.lengths.push_back(n);
    }
    b.ids = b.ids.to(m.device);
    b.mask = b.mask.to(m.device);
    return b;
}

SubjectBatch subject_batch(const LoadedModel& m, const std::vector<std::string>& texts, const std::string& subject) {
    std::vector<std::vector<int32_t>> rows;
    std::vector<int64_t> lookup;
    for (const auto& t : texts) {
        rows.push_back(m.tok().encode(t));
        lookup.push_back(subject_span(m.tok(), t, subject).end - 1);
    }
    auto b = pad_batch(m, rows);
    b.lookup = lookup;
    return b;
}

LayerReadout read_layer(LoadedModel& m, int64_t layer, const SubjectBatch& b) {
    torch::NoGradGuard ng;
    auto rows = at::arange((int64_t)b.lookup.size(), at::TensorOptions().dtype(at::kLong).device(m.device));
    auto cols = torch::tensor(b.lookup, at::kLong).to(m.device);
    LayerReadout r;
    ForwardHooks h;
    h.mlp = [&](int64_t i, const at::Tensor& in, const at::Tensor& out) {
        if (i == layer) {
            r.key = mlp_key(m.net, layer, in.index({rows, cols}));   // [B, F]
            r.mlp_out = out.index({rows, cols});                     // [B, C]
        }
        return out;
    };
    h.layer = [&](int64_t i, const at::Tensor& x) {
        if (i == layer) r.layer_out = x.index({rows, cols});
        return x;
    };
    HookScope scope(m.net, &h);
    (void)m.net->model->forward(b.ids, b.mask, nullptr);
    return r;
}

std::vector<std::string> context_prefixes(LoadedModel& m, int n, int tokens, uint64_t seed) {
    std::vector<std::string> out = {""};
    if (n <= 0) return out;
    for (const auto& ids : sample_from_bos(m.net, n, tokens, seed)) {
        std::string t = m.tok().decode(std::vector<int32_t>(ids.begin() + 1, ids.end()));
        for (char& c : t)
            if (c == '\n' || c == '\r') c = ' ';
        while (!t.empty() && (t.back() == ' ' || t.back() == '.')) t.pop_back();
        while (!t.empty() && t.front() == ' ') t.erase(t.begin());
        out.push_back(t + ". ");
    }
    return out;
}

}  // namespace llms::edit

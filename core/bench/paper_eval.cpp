// Scoring: many short sequences, each with the range of positions that counts, batched by length.
#include "core/bench/paper_eval.h"

#include "core/common/error.h"
#include "core/eval/answer_tokens.h"
#include "core/model/model_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace llms::bench {

namespace {

struct Seq {
    std::vector<int32_t> ids;
    size_t from = 1;          // ids[from..] are scored (predicted from positions from-1..)
};

struct SeqNll {
    double sum = 0;           // summed NLL of the scored tokens (nats)
    int64_t n = 0;            // scored tokens
};

// Summed NLL of each sequence's scored tokens. Sequences are grouped by length (so no row carries padding)
// in chunks of up to 64 rows.
std::vector<SeqNll> score(LoadedModel& m, const std::vector<Seq>& seqs) {
    torch::NoGradGuard ng;
    m.net->eval();
    std::vector<size_t> order(seqs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seqs[a].ids.size() < seqs[b].ids.size(); });
    std::vector<SeqNll> out(seqs.size());
    constexpr size_t kChunk = 64;
    for (size_t lo = 0; lo < order.size();) {
        const size_t L = seqs[order[lo]].ids.size();
        size_t hi = lo;
        while (hi < order.size() && hi - lo < kChunk && seqs[order[hi]].ids.size() == L) ++hi;
        const int64_t R = (int64_t)(hi - lo), T = (int64_t)L - 1;
        auto batch = at::empty({R, (int64_t)L}, at::kLong);   // [R, L]
        auto mask = at::zeros({R, T}, at::kFloat);             // [R, T]: 1 where the target is scored
        auto acc = batch.accessor<int64_t, 2>();
        for (int64_t r = 0; r < R; ++r) {
            const Seq& s = seqs[order[lo + r]];
            for (int64_t t = 0; t < (int64_t)L; ++t) acc[r][t] = s.ids[t];
            mask[r].narrow(0, (int64_t)s.from - 1, T - ((int64_t)s.from - 1)).fill_(1.0);
        }
        auto x = batch.narrow(1, 0, T).to(m.device), y = batch.narrow(1, 1, T).to(m.device);   // [R, T]
        auto logp = at::log_softmax(m.net->forward(x).to(at::kFloat), -1);                     // [R, T, V]
        auto nll = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1).to(at::kCPU);                 // [R, T]
        auto sums = (nll * mask).sum(-1);                                                      // [R]
        for (int64_t r = 0; r < R; ++r) {
            const Seq& s = seqs[order[lo + r]];
            out[order[lo + r]] = {sums[r].item<double>(), (int64_t)(L - s.from)};
        }
        lo = hi;
    }
    return out;
}

}  // namespace

PaperSetScore score_paper_set(LoadedModel& m, const std::vector<PaperQuestion>& questions,
                              const std::vector<std::string>& documents) {
    const Tokenizer& tok = m.tok();
    const size_t max_len = (size_t)m.config.max_position_embeddings;
    PaperSetScore r;

    // Multiple choice: every option scored on its answer tokens.
    std::vector<Seq> seqs;
    for (const auto& q : questions)
        for (const auto& o : q.options) {
            const AnswerTokens at = tokenize_answer(tok, q.prompt, o);
            if (at.ids.size() > max_len)
                throw Error("question \"" + q.prompt + "\" is longer than the model's context (" + std::to_string(max_len) +
                            " tokens)");
            seqs.push_back({at.ids, at.answer_start});
        }
    const auto nll = score(m, seqs);
    double ok = 0, correct_nll = 0;
    size_t k = 0;
    for (const auto& q : questions) {
        size_t best = 0;
        for (size_t j = 0; j < q.options.size(); ++j) {
            const double mean = nll[k + j].sum / (double)nll[k + j].n;
            if (mean < nll[k + best].sum / (double)nll[k + best].n) best = j;
        }
        ok += best == q.correct;
        correct_nll += nll[k + q.correct].sum / (double)nll[k + q.correct].n;
        k += q.options.size();
    }
    r.questions = (int)questions.size();
    r.mcqa_acc = questions.empty() ? 0.0 : ok / (double)questions.size();
    r.answer_ppl = questions.empty() ? 0.0 : std::exp(correct_nll / (double)questions.size());

    // Documents: every token after BOS (cut to the context).
    std::vector<Seq> docs;
    for (const auto& d : documents) {
        auto ids = tok.encode(d);
        if (ids.size() > max_len) ids.resize(max_len);
        if (ids.size() >= 2) docs.push_back({ids, 1});
    }
    double sum = 0;
    for (const auto& s : score(m, docs)) sum += s.sum, r.tokens += s.n;
    r.documents = (int)docs.size();
    r.ppl = r.tokens ? std::exp(sum / (double)r.tokens) : 0.0;
    return r;
}

}  // namespace llms::bench

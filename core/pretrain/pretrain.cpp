// The pretraining pipeline: tokenizer -> packed token stream -> AdamW on random windows -> evaluation
// (held-out perplexity, greedy fact recall) -> HF folder. Shapes: B windows, T context, V vocab.
#include "core/pretrain/pretrain.h"

#include "core/common/cpu.h"
#include "core/common/autocast.h"
#include "core/common/error.h"
#include "core/common/fused_adamw.h"
#include "core/eval/exact_match.h"
#include "core/facts/fact_set.h"
#include "core/io/output_folder.h"
#include "core/model/model_loader.h"
#include "core/common/lr_schedule.h"
#include "core/distributed/process_group.h"
#include "core/pretrain/model_folder.h"
#include "core/pretrain/token_stream.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <malloc.h>
#include <nlohmann/json.hpp>
#include <system_error>

namespace llms::pretrain {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* phase_name(Progress::Phase p) {
    switch (p) {
        case Progress::Phase::Corpus: return "corpus";
        case Progress::Phase::Tokenizer: return "tokenizer";
        case Progress::Phase::Tokenize: return "tokenize";
        case Progress::Phase::Train: return "train";
        case Progress::Phase::Evaluate: return "evaluate";
        case Progress::Phase::Write: return "write";
    }
    return "?";
}

void tune_malloc_for_training() {
    // Large blocks from the heap instead of fresh mmaps (page faults on every activation), freed memory kept.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 1 << 30);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Inputs

struct CorpusFiles {
    fs::path train, heldout, facts, manifest;   // optional ones empty when absent
};

CorpusFiles locate_corpus(const fs::path& corpus) {
    std::error_code ec;
    CorpusFiles f;
    fs::path dir;
    if (fs::is_directory(corpus, ec)) {
        dir = corpus;
        f.train = corpus / "train.txt";
        if (!fs::is_regular_file(f.train, ec))
            throw Error("corpus folder " + corpus.string() + " has no train.txt: build it with `llm-surgery-cli corpus --out " +
                        corpus.string() + "`");
    } else if (fs::is_regular_file(corpus, ec)) {
        f.train = corpus;
        dir = corpus.has_parent_path() ? corpus.parent_path() : fs::path(".");
    } else {
        throw Error("corpus " + corpus.string() + " not found: give a folder made by `llm-surgery-cli corpus` or a train.txt");
    }
    if (fs::is_regular_file(dir / "heldout.txt", ec)) f.heldout = dir / "heldout.txt";
    if (fs::is_regular_file(dir / "facts.jsonl", ec)) f.facts = dir / "facts.jsonl";
    if (fs::is_regular_file(dir / "corpus.json", ec)) f.manifest = dir / "corpus.json";
    return f;
}

LlamaConfig model_config(const Preset& p, const Tokenizer& tok) {
    LlamaConfig c;
    c.hidden_size = p.hidden_size;
    c.intermediate_size = p.intermediate_size;
    c.num_hidden_layers = p.num_layers;
    c.num_attention_heads = p.num_heads;
    c.num_key_value_heads = p.num_kv_heads;
    c.head_dim = p.hidden_size / p.num_heads;
    c.vocab_size = tok.vocab_size();
    c.max_position_embeddings = p.context;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 10000.0;
    c.tie_word_embeddings = p.tie_embeddings;
    c.bos_token_id = tok.bos_id();
    c.eos_token_ids = {tok.eos_id()};
    c.torch_dtype = "float32";
    return c;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

// Perplexity of the packed held-out stream, read in consecutive windows of T + 1 tokens sharing one token.
double stream_perplexity(LlamaForCausalLM& net, const std::vector<int32_t>& ids, int64_t T, int64_t B) {
    torch::NoGradGuard no_grad;
    const int64_t n = static_cast<int64_t>(ids.size());
    std::vector<int64_t> starts;
    for (int64_t s = 0; s + 1 < n; s += T) starts.push_back(s);
    double nll = 0;
    int64_t count = 0;
    for (size_t b = 0; b < starts.size(); b += B) {
        const size_t e = std::min(starts.size(), b + static_cast<size_t>(B));
        // Windows of equal length go together; only the stream's last window can be shorter.
        for (size_t lo = b; lo < e;) {
            const int64_t len = std::min(T + 1, n - starts[lo]);
            size_t hi = lo;
            while (hi < e && std::min(T + 1, n - starts[hi]) == len) ++hi;
            auto batch = at::empty({static_cast<int64_t>(hi - lo), len}, at::kLong);   // [b, len]
            auto acc = batch.accessor<int64_t, 2>();
            for (size_t k = lo; k < hi; ++k)
                for (int64_t t = 0; t < len; ++t) acc[k - lo][t] = ids[starts[k] + t];
            auto x = batch.narrow(1, 0, len - 1), y = batch.narrow(1, 1, len - 1);   // [b, len-1]
            auto logits = net->forward(x);                                             // [b, len-1, V]
            auto loss = at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), y.reshape({-1}), {},
                                               at::Reduction::Sum);
            nll += loss.item<double>();
            count += y.numel();
            lo = hi;
        }
    }
    return count ? std::exp(nll / count) : -1.0;
}

// ---------------------------------------------------------------------------------------------

struct Timer {
    Clock::time_point t0 = Clock::now();
    double seconds() const { return std::chrono::duration<double>(Clock::now() - t0).count(); }
};

}  // namespace

Result run(const Options& o, const std::function<void(const Progress&)>& on_progress) {
    const Timer total;
    const Preset p = o.custom ? *o.custom : preset(o.preset);
    const int steps = o.steps > 0 ? o.steps : p.steps;
    // Data parallel: the ranks share the cores (OMP_NUM_THREADS from --nproc or torchrun) unless --threads says.
    const bool parallel = o.group && o.group->size() > 1;
    const int threads = o.threads > 0 ? o.threads : parallel ? at::get_num_threads() : physical_cores();
    const CorpusFiles files = locate_corpus(o.corpus);
    const auto stopped = [&] { return o.stop && o.stop->load(); };

    fs::path out = fs::absolute(o.out).lexically_normal();
    if (!out.has_filename()) out = out.parent_path();
    std::error_code ec;
    if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)) && !o.overwrite)
        throw Error("output folder " + out.string() + " already exists: choose a new --out (or remove it)");
    io::check_output_folder(out, {}, o.overwrite);   // before minutes of training, not after

    Result r;
    r.out = out;
    r.preset = p.name;
    r.seed = o.seed;
    r.threads = threads;
    const bool bf16 = p.bf16_autocast && cpu_has_native_bf16();
    r.precision = bf16 ? "bf16-autocast" : "fp32";

    Progress pr;
    pr.steps = steps;
    const auto report = [&](Progress::Phase ph, const std::string& msg, double fraction) {
        pr.phase = ph;
        pr.message = msg;
        pr.fraction = fraction;
        pr.elapsed_s = total.seconds();
        if (on_progress) on_progress(pr);
    };

    const int previous_threads = at::get_num_threads();
    at::set_num_threads(threads);
    struct RestoreThreads {
        int n;
        ~RestoreThreads() { at::set_num_threads(n); }
    } restore{previous_threads};
    torch::manual_seed(o.seed);

    // 1. Tokenizer ------------------------------------------------------------------------------
    fs::create_directories(out.parent_path(), ec);
    // A scratch folder beside the output (tokenizer training files), removed when the run ends either way.
    const std::string rank_suffix = parallel ? "-rank" + std::to_string(o.group->rank()) : "";
    const io::ScratchFolder scratch(out.parent_path() / ("." + out.filename().string() + ".pretrain-tmp" + rank_suffix),
                                    "tokenizer training files");
    if (o.tokenizer.empty()) {
        report(Progress::Phase::Tokenizer, "training a " + std::to_string(p.vocab_size) + "-piece tokenizer", 0.0);
        TokenizerTrainOptions topt;
        topt.input = files.train;
        topt.model_prefix = scratch.path / "tokenizer";
        topt.vocab_size = p.vocab_size;
        topt.num_threads = threads;
        topt.seed = static_cast<uint32_t>(o.seed);
        Tokenizer::train(topt);
    } else {
        report(Progress::Phase::Tokenizer, "using the tokenizer " + o.tokenizer.string(), 0.0);
        fs::copy_file(o.tokenizer, scratch.path / "tokenizer.model", fs::copy_options::overwrite_existing, ec);
        if (ec)
            throw Error("cannot copy the tokenizer " + o.tokenizer.string() + ": " + ec.message() +
                        " (give an existing tokenizer.model)");
    }
    const Tokenizer tok = Tokenizer::load(scratch.path / "tokenizer.model");
    if (stopped()) return r.stopped = true, r;

    // 2. Token streams --------------------------------------------------------------------------
    report(Progress::Phase::Tokenize, "tokenizing " + files.train.filename().string(), 0.02);
    const TokenStream train = tokenize_lines(tok, files.train, o.stop);
    TokenStream heldout;
    if (!files.heldout.empty()) heldout = tokenize_lines(tok, files.heldout, o.stop);
    if (stopped()) return r.stopped = true, r;
    r.corpus_tokens = static_cast<int64_t>(train.ids.size());
    const int64_t T = p.context, B = p.batch_size;
    WindowSampler sampler(train, T + 1, o.seed);
    // Data parallel: every rank samples the same B windows and trains on window b when b % N is its rank; the loss
    // divides by the whole batch's tokens, so the ranks' gradients sum to the single process's.
    const int64_t N = parallel ? o.group->size() : 1, me = parallel ? o.group->rank() : 0;
    if (B < N) throw Error("the preset's " + std::to_string(B) + " windows a step cannot be shared by " +
                           std::to_string(N) + " ranks: use at most " + std::to_string(B));
    if (parallel) {   // the same tokenizer and token stream on every rank
        uint64_t h = 1469598103934665603ull;   // FNV-1a
        for (int32_t id : train.ids) h = (h ^ (uint64_t)(uint32_t)id) * 1099511628211ull;
        o.group->check_same(h, "training tokens (their tokenizers differ)",
                            "give every rank the same corpus and thread count (--threads), or one --tokenizer");
    }

    // 3. Model and optimiser --------------------------------------------------------------------
    const LlamaConfig config = model_config(p, tok);
    LoadOptions lopt;
    lopt.device = "cpu";
    lopt.dtype = "float32";
    LoadedModel m = make_model(config, lopt, o.seed);
    m.tokenizer = std::make_shared<Tokenizer>(tok);
    r.parameters = config.num_parameters();
    LlamaForCausalLM& net = m.net;
    net->train();

    std::vector<at::Tensor> decay, no_decay;   // weight decay on matrices only
    for (auto& [name, t] : hf_named_tensors(net)) (t.dim() >= 2 ? decay : no_decay).push_back(t);
    FusedAdamW opt({p.lr, p.beta1, p.beta2, 1e-8});
    opt.add(decay, p.weight_decay);
    opt.add(no_decay, 0.0);
    std::vector<at::Tensor> weights(decay);   // every trained tensor (data parallel: their gradients are summed)
    weights.insert(weights.end(), no_decay.begin(), no_decay.end());

    // 4. Training -------------------------------------------------------------------------------
    report(Progress::Phase::Train, "training " + std::to_string(r.parameters) + " parameters", 0.04);
    const Timer train_timer;
    std::vector<double> losses;
    losses.reserve(steps);
    auto window = at::empty({B, T + 1}, at::kLong);   // [B, T+1]
    for (int step = 0; step < steps; ++step) {
        if (parallel ? o.group->any(stopped()) : stopped()) return r.stopped = true, r.steps = step, r;
        const double lr = warmup_cosine_lr(step, steps, p.warmup_steps, p.lr, p.min_lr_ratio);
        opt.settings.lr = lr;

        auto acc = window.accessor<int64_t, 2>();
        for (int64_t b = 0; b < B; ++b) {
            const int64_t s = sampler.next();
            for (int64_t t = 0; t <= T; ++t) acc[b][t] = train.ids[s + t];
        }
        auto x = window.narrow(1, 0, T), y = window.narrow(1, 1, T);   // [B, T]
        at::Tensor loss;
        opt.zero_grad();
        if (!parallel) {
            at::Tensor logits;                                         // [B, T, V] fp32
            {
                const Autocast autocast(bf16);
                logits = net->forward(x);
            }
            loss = at::cross_entropy_loss(logits.view({B * T, -1}), y.reshape({B * T}));
            loss.backward();
        } else {   // this rank's windows [Bn, T]; the sum of their token losses over all B * T tokens
            const auto mine = at::arange(me, B, N, at::kLong);
            const auto xs = x.index_select(0, mine), ys = y.index_select(0, mine);
            const int64_t Bn = xs.size(0);
            at::Tensor logits;                                         // [Bn, T, V] fp32
            {
                const Autocast autocast(bf16);
                logits = net->forward(xs);
            }
            loss = at::cross_entropy_loss(logits.view({Bn * T, -1}), ys.reshape({Bn * T}), {}, at::Reduction::Sum) /
                   double(B * T);
            loss.backward();
            o.group->sum_gradients(weights);
        }
        std::vector<double> loss_sum{loss.item<double>()};
        if (parallel) o.group->sum(loss_sum);
        opt.step(opt.grad_norm(), p.grad_clip);

        const double l = loss_sum[0];
        if (!std::isfinite(l))
            throw Error("pretraining diverged at step " + std::to_string(step + 1) + " (loss " + std::to_string(l) +
                        "): lower the learning rate of the preset");
        losses.push_back(l);
        pr.step = step + 1;
        pr.loss = step == 0 ? l : 0.95 * pr.loss + 0.05 * l;
        pr.lr = lr;
        const double secs = train_timer.seconds();
        pr.tokens_per_s = secs > 0 ? double(pr.step) * B * T / secs : 0;
        pr.eta_s = secs / pr.step * (steps - pr.step);
        report(Progress::Phase::Train, "training", 0.04 + 0.92 * pr.step / steps);
    }
    r.steps = steps;
    r.train_seconds = train_timer.seconds();
    r.tokens_seen = int64_t(steps) * B * T;
    r.tokens_per_s = r.train_seconds > 0 ? r.tokens_seen / r.train_seconds : 0;
    const size_t tail = std::min<size_t>(losses.size(), 50);
    for (size_t i = losses.size() - tail; i < losses.size(); ++i) r.final_loss += losses[i] / double(tail);
    net->eval();
    pr.eta_s = -1;
    if (parallel && !o.group->is_root()) return r;   // rank 0 evaluates and writes the model every rank trained

    // 5. Evaluation -----------------------------------------------------------------------------
    if (!heldout.ids.empty()) {
        report(Progress::Phase::Evaluate, "held-out perplexity", 0.96);
        r.heldout_ppl = stream_perplexity(net, heldout.ids, T, B);
    }
    if (stopped()) return r.stopped = true, r;
    facts::FactSet known;
    if (!files.facts.empty()) {
        const facts::FactSet all = facts::load_jsonl(files.facts);
        std::vector<PromptAnswer> items;
        std::vector<const facts::Fact*> asked;
        for (const auto& f : all.facts)
            if (!f.is_document() && !f.answer.empty()) {
                items.push_back({f.prompt, f.answer});
                asked.push_back(&f);
            }
        report(Progress::Phase::Evaluate, "fact recall (" + std::to_string(items.size()) + " facts)", 0.97);
        const ExactMatch em = greedy_exact_match(m, items);
        r.facts = static_cast<int>(items.size());
        r.facts_known = em.hits;
        for (size_t i = 0; i < asked.size(); ++i)
            if (em.match[i]) {
                facts::Fact f = *asked[i];
                f.kind = facts::Kind::Retain;
                known.facts.push_back(std::move(f));
            }
    }
    if (stopped()) return r.stopped = true, r;

    // 6. Output ---------------------------------------------------------------------------------
    report(Progress::Phase::Write, "writing " + out.string(), 0.99);
    r.seconds = total.seconds();
    nlohmann::json j;
    j["format"] = "llm-surgery pretrain";
    j["version"] = 1;
    j["preset"] = p.name;
    j["seed"] = o.seed;
    j["threads"] = threads;
    j["steps"] = r.steps;
    j["parameters"] = r.parameters;
    j["context"] = T;
    j["batch_size"] = B;
    j["lr"] = p.lr;
    j["precision"] = r.precision;
    j["seconds"] = r.seconds;
    j["train_seconds"] = r.train_seconds;
    j["tokens_per_s"] = r.tokens_per_s;
    j["corpus_tokens"] = r.corpus_tokens;
    j["tokens_seen"] = r.tokens_seen;
    j["final_loss"] = r.final_loss;
    j["heldout_perplexity"] = r.heldout_ppl > 0 ? nlohmann::json(r.heldout_ppl) : nlohmann::json(nullptr);
    j["facts"] = r.facts;
    j["facts_known"] = r.facts_known;
    j["fact_recall"] = r.facts ? nlohmann::json(r.fact_recall()) : nlohmann::json(nullptr);
    j["corpus"] = o.corpus_label.empty() ? fs::absolute(o.corpus).lexically_normal().string() : o.corpus_label;
    if (!files.manifest.empty()) {
        std::ifstream in(files.manifest, std::ios::binary);
        try {
            j["corpus_manifest"] = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            throw Error("corpus manifest " + files.manifest.string() + " is not valid JSON (" + e.what() +
                        "): rebuild the corpus with `llm-surgery-cli corpus`");
        }
    }
    ModelFolderFiles mf;
    mf.tokenizer_model = scratch.path / "tokenizer.model";
    mf.heldout_txt = files.heldout;
    if (!files.facts.empty()) mf.known_facts_jsonl = facts::to_jsonl(known);
    mf.pretrain_json = j.dump(2) + "\n";
    write_model_folder(out, config, hf_named_tensors(net), mf, o.overwrite);
    r.seconds = total.seconds();
    return r;
}

}  // namespace llms::pretrain

// Session: the open model, its original weights, the run history and which weights are live.
#include "core/session/session.h"

#include "core/chat/chat_prompts.h"
#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/eval/known_text.h"
#include "core/io/safetensors.h"
#include "core/session/session_impl.h"

#include <torch/torch.h>

#include <iomanip>
#include <sstream>

namespace llms::session {

// ---- Impl helpers -------------------------------------------------------------------------------------

LoadedModel& Session::Impl::model() {
    if (!m) throw Error("no model is open: open a model folder first (Model tab)");
    return *m;
}

const Tokenizer& Session::Impl::tok() { return model().tok(); }

Weights Session::Impl::copy_out() {
    torch::NoGradGuard ng;
    Weights w;
    for (auto& [name, p] : hf_named_tensors(model().net))
        w.push_back(p.detach().to(at::kCPU, /*non_blocking=*/false, /*copy=*/true));
    return w;
}

void Session::Impl::keep_original() {
    torch::NoGradGuard ng;
    const auto ckpt = io::SafetensorsCheckpoint::open_folder(model().dir);
    original.clear();
    original_file_bytes = 0;
    for (auto& [name, p] : hf_named_tensors(model().net)) {
        if (p.device().is_cpu() && ckpt.find(name)) {
            at::Tensor view = ckpt.tensor(name);   // zero-copy unless misaligned
            if (view.scalar_type() == p.scalar_type() && view.sizes() == p.sizes()) {
                original_file_bytes += view.numel() * view.element_size();
                original.push_back(view);
                continue;
            }
        }
        original.push_back(p.detach().to(at::kCPU, /*non_blocking=*/false, /*copy=*/true));
    }
}

void Session::Impl::load_into(const Weights& w) {
    torch::NoGradGuard ng;
    auto live = hf_named_tensors(model().net);
    if (live.size() != w.size())
        throw Error("internal: weight copy has " + std::to_string(w.size()) + " tensors, the model " +
                    std::to_string(live.size()));
    for (size_t i = 0; i < w.size(); ++i) live[i].second.copy_(w[i]);
}

const Weights& Session::Impl::weights_of(int run) {
    if (run == 0) return original;
    auto it = run_weights.find(run);
    if (it == run_weights.end())
        throw Error("the weights of run " + std::to_string(run) +
                    " are not in memory (dropped to save memory, or loaded from a project): re-run it from the "
                    "History tab with the same settings to get them back");
    return it->second;
}

int64_t Session::Impl::bytes_of(const Weights& w) {
    int64_t b = 0;
    for (const auto& t : w) b += t.numel() * (int64_t)t.element_size();
    return b;
}

void Session::Impl::enforce_budget() {
    auto total = [&] {
        int64_t b = 0;
        for (auto& [id, w] : run_weights) b += bytes_of(w);
        return b;
    };
    // Oldest first; the active run's weights always stay (they are what "put back" restores).
    for (auto it = run_weights.begin(); it != run_weights.end() && total() > budget;) {
        if (it->first == active) {
            ++it;
            continue;
        }
        for (auto& r : history)
            if (r.id == it->first) r.weights_kept = false;
        it = run_weights.erase(it);
    }
}

// ---- Session -------------------------------------------------------------------------------------------

Session::Session() : impl_(std::make_unique<Impl>()) {}
Session::~Session() = default;

ModelCard Session::open(const std::filesystem::path& dir, const OpenOptions& opt,
                        const std::function<void(double)>& progress) {
    LoadOptions lo;
    lo.device = opt.device;
    lo.dtype = opt.dtype;
    lo.tokenizer = true;
    lo.progress = progress;
    LoadedModel loaded = load_model(dir, lo);   // throws before anything of the old session is touched
    loaded.net->eval();
    for (auto& [name, p] : hf_named_tensors(loaded.net)) p.set_requires_grad(false);

    auto& I = *impl_;
    I.m.reset();
    I.run_weights.clear();
    I.run_adapters.clear();
    I.history.clear();
    I.eval_cache.reset();
    I.known = {};
    I.heldout.clear();
    I.active = 0;
    I.next_id = 1;
    I.m.emplace(std::move(loaded));
    I.keep_original();

    const LoadedModel& m = *I.m;
    ModelCard c;
    c.dir = std::filesystem::absolute(dir).lexically_normal().string();
    c.name = std::filesystem::path(c.dir).filename().string();
    if (c.name.empty()) c.name = std::filesystem::path(c.dir).parent_path().filename().string();
    c.architecture = m.config.architecture;
    c.parameters = m.config.num_parameters();
    c.hidden_size = m.config.hidden_size;
    c.intermediate_size = m.config.intermediate_size;
    c.layers = m.config.num_hidden_layers;
    c.heads = m.config.num_attention_heads;
    c.kv_heads = m.config.num_key_value_heads;
    c.head_dim = m.config.head_dim;
    c.vocab_size = m.config.vocab_size;
    c.context = m.config.max_position_embeddings;
    c.tied_embeddings = m.config.tie_word_embeddings;
    c.stored_dtype = m.config.torch_dtype;
    c.dtype = dtype_name(m.dtype);
    c.device = m.device.str();
    c.weight_bytes = Impl::bytes_of(I.original);
    {
        std::ostringstream p;
        p << "RoPE θ " << std::defaultfloat << std::setprecision(12) << m.config.rope_theta;
        if (m.config.rope_type == "linear") p << ", linear scaling ×" << m.config.rope_factor;
        if (m.config.rope_type == "llama3")
            p << ", llama3 scaling ×" << m.config.rope_factor << " (original context " << m.config.rope_original_max_position << ")";
        c.positions = p.str();
        std::vector<std::string> f;
        if (m.config.qkv_bias) f.push_back(m.config.o_bias ? "attention biases" : "q/k/v biases");
        if (m.config.mlp_bias) f.push_back("MLP biases");
        if (m.config.qk_norm) f.push_back("q_norm / k_norm");
        if (m.config.sliding_window > 0) f.push_back("sliding window " + std::to_string(m.config.sliding_window));
        for (const auto& x : f) c.family_features += (c.family_features.empty() ? "" : ", ") + x;
    }
    c.has_tokenizer = m.tokenizer != nullptr;
    if (m.tokenizer)
        c.tokenizer_kind = m.tokenizer->kind() + (m.tokenizer_note.empty() ? "" : "; " + m.tokenizer_note);
    c.tokenizer_note = m.tokenizer_error;
    c.chat_template = m.chat ? m.chat->file().filename().string() : "";
    c.chat_note = m.chat_error;
    I.card = c;

    // What the folder carries for the evaluation (core/eval/known_text.h): the retain pool and collateral probes,
    // and the report's fluency line.
    if (auto known = eval::load_known_facts(dir)) set_known_facts(*known);
    if (const auto heldout = eval::heldout_file(dir); std::filesystem::exists(heldout))
        set_heldout_text(eval::load_heldout_text(heldout));
    return I.card;
}

const ModelCard& Session::card() const {
    impl_->model();
    return impl_->card;
}

MemoryUse Session::memory() const {
    MemoryUse u;
    if (!impl_->m) return u;
    u.model_bytes = impl_->card.weight_bytes;
    u.original_bytes = Impl::bytes_of(impl_->original) - impl_->original_file_bytes;   // RAM copies only
    for (auto& [id, w] : impl_->run_weights) u.runs_bytes += Impl::bytes_of(w);
    return u;
}

void Session::set_known_facts(const facts::FactSet& known) {
    impl_->known = known;
    impl_->card.known_facts = known.facts.size();
    impl_->eval_cache.reset();
}

size_t Session::known_facts() const { return impl_->known.facts.size(); }

void Session::set_heldout_text(std::vector<std::string> lines) {
    impl_->heldout = std::move(lines);
    impl_->eval_cache.reset();
}

const std::vector<RunRecord>& Session::history() const { return impl_->history; }
int Session::active_run() const { return impl_->active; }

void Session::revert_to_original() {
    auto& I = *impl_;
    if (I.active == 0) return;
    I.load_into(I.original);
    I.active = 0;
}

void Session::use_run(int id) {
    auto& I = *impl_;
    if (id == I.active) return;
    I.load_into(I.weights_of(id));
    I.active = id;
}

void Session::add_history(std::vector<RunRecord> runs) {
    auto& I = *impl_;
    std::map<int, int> renamed;   // old id -> new id, so `base` links survive
    for (auto& r : runs) {
        renamed[r.id] = I.next_id;
        r.id = I.next_id++;
        r.base = r.base == 0 ? 0 : renamed.count(r.base) ? renamed[r.base] : 0;
        r.weights_kept = false;
        I.history.push_back(std::move(r));
    }
}

}  // namespace llms::session

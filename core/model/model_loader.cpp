#include "core/model/model_loader.h"

#include "core/chat/chat_prompts.h"
#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/common/memory_available.h"
#include "core/io/safetensors.h"
#include "core/common/shape_text.h"
#include "core/model/llama_layout.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

namespace llms {

namespace fs = std::filesystem;

const Tokenizer& LoadedModel::tok() const {
    if (!tokenizer)
        throw Error(tokenizer_error.empty() ? dir.string() + ": no tokenizer loaded" : tokenizer_error);
    return *tokenizer;
}

at::Device parse_device(const std::string& s) {
    if (s == "cpu") return at::kCPU;
    if (s.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw Error("device \"" + s + "\" requested, but this build or machine has no CUDA (use --device cpu, or build "
                        "against a CUDA LibTorch with -DTorch_DIR=...)");
        try {
            return at::Device(s);
        } catch (const c10::Error&) {
        }
    }
    throw Error("unknown device \"" + s + "\" (use cpu, cuda or cuda:N)");
}

at::ScalarType parse_dtype(const std::string& s, const at::Device& d) {
    if (s == "auto") return d.is_cuda() ? at::kBFloat16 : at::kFloat;
    if (const auto* d = dtype_by_name(s)) return scalar_type(*d);
    throw Error("unknown dtype \"" + s + "\" (use auto, " + kDtypeNames + ")");
}

static std::string shape_str(at::IntArrayRef s) { return shape_text(s.vec()); }

int64_t check_checkpoint_layout(const fs::path& dir, const LlamaConfig& c, const io::SafetensorsCheckpoint& ckpt) {
    const int64_t params = checked_num_parameters(c, (dir / "config.json").string());
    const auto names = ckpt.names();
    if (c.num_hidden_layers > static_cast<int64_t>(names.size() / 9))
        throw Error(dir.string() + ": config.json says " + std::to_string(c.num_hidden_layers) + " layers (" +
                    std::to_string(9 * c.num_hidden_layers + 2) + " tensors or more), but the checkpoint holds " +
                    std::to_string(names.size()) + " (is config.json the one that belongs to these weights?)");
    std::set<std::string> expected;
    for (const auto& t : llama_tensor_layout(c)) {
        expected.insert(t.name);
        const io::TensorInfo* info = ckpt.find(t.name);
        if (!info)
            throw Error(dir.string() + ": tensor \"" + t.name + "\" is missing from the checkpoint (config.json says " +
                        std::to_string(c.num_hidden_layers) + " layers" + (c.tie_word_embeddings ? "" : ", untied lm_head") +
                        ")");
        if (info->shape != t.shape)
            throw Error(dir.string() + ": tensor \"" + t.name + "\" has shape " + shape_text(info->shape) +
                        " but config.json implies " + shape_text(t.shape));
    }
    std::vector<std::string> unexpected;
    for (const auto& n : names) {
        if (expected.count(n)) continue;
        if (n.size() >= 19 && n.compare(n.size() - 19, 19, "rotary_emb.inv_freq") == 0) continue;   // HF buffer
        if (n == "lm_head.weight" && c.tie_word_embeddings) continue;   // tied copy some exporters write
        unexpected.push_back(n);
    }
    if (!unexpected.empty()) {
        std::string list;
        for (size_t i = 0; i < unexpected.size() && i < 5; ++i) list += (i ? ", " : "") + unexpected[i];
        if (unexpected.size() > 5) list += ", ... (" + std::to_string(unexpected.size()) + " in all)";
        throw Error(dir.string() + ": unexpected tensors not used by " + c.architecture + ": " + list +
                    " (is config.json the one that belongs to these weights?)");
    }
    return params;
}

// The chat template, rendered with the tokenizer's BOS / EOS texts. A broken one leaves the model usable without it.
static void attach_chat(LoadedModel& m) {
    try {
        if (auto format = chat::ChatFormat::from_folder(m.dir, *m.tokenizer))
            m.chat = std::make_shared<const chat::ChatFormat>(std::move(*format));
    } catch (const Error& e) {
        m.chat_error = std::string(e.what()) + " (the model works; prompts cannot be wrapped in its chat format)";
    }
}

static void attach_tokenizer(LoadedModel& m, bool want) {
    if (!want) return;
    if (!Tokenizer::folder_has_tokenizer(m.dir)) {
        m.tokenizer_error = m.dir.string() + ": no tokenizer.json or tokenizer.model in the model folder (text in/out "
                                             "needs one; ids work)";
        return;
    }
    try {
        auto t = std::make_shared<Tokenizer>(Tokenizer::load_folder(m.dir, &m.tokenizer_note));
        const fs::path tok = t->model_file();
        // Ids the embedding does not hold would fail deep in a forward pass (a poisoned context on CUDA).
        if (t->vocab_size() > m.config.vocab_size) {
            m.tokenizer_error = tok.string() + " has " + std::to_string(t->vocab_size()) +
                                " pieces, more than the model's vocab_size " + std::to_string(m.config.vocab_size) +
                                " in config.json: they do not belong together (ids in, ids out still work)";
            return;
        }
        m.tokenizer = std::move(t);
    } catch (const Error& e) {
        m.tokenizer_error = e.what();
        return;
    }
    attach_chat(m);
}

const chat::ChatFormat& require_chat(const LoadedModel& m) {
    if (m.chat) return *m.chat;
    if (!m.chat_error.empty()) throw Error(m.chat_error);
    throw Error(m.dir.string() + ": the model has no chat template (no chat_template.jinja, no \"chat_template\" in "
                "tokenizer_config.json): it is not an instruct model, so use its prompts without the chat format");
}

std::vector<int64_t> LoadedModel::stop_ids() const {
    std::vector<int64_t> ids = config.eos_token_ids;
    if (tokenizer)
        for (const int32_t e : tokenizer->eos_ids()) ids.push_back(e);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ids.erase(std::remove_if(ids.begin(), ids.end(), [](int64_t i) { return i < 0; }), ids.end());
    return ids;
}

LoadedModel load_model(const fs::path& dir, const LoadOptions& opt) {
    if (!fs::is_directory(dir)) throw Error(dir.string() + ": not a folder (a model folder holds config.json, "
                                            "model.safetensors and tokenizer.model)");
    LoadedModel m;
    m.dir = dir;
    m.config = LlamaConfig::load(dir / "config.json");
    m.device = parse_device(opt.device);
    m.dtype = parse_dtype(opt.dtype, m.device);

    auto ckpt = io::SafetensorsCheckpoint::open_folder(dir);
    // Everything the network will allocate is checked against the headers and the free memory first: a
    // config.json that asks for terabytes or 10^8 layers is refused here, in milliseconds.
    const int64_t params = check_checkpoint_layout(dir, m.config, ckpt);
    check_memory_fits(params * static_cast<int64_t>(c10::elementSize(m.dtype)), opt.device,
                      "loading " + dir.string() + " (" + std::to_string(params) + " parameters as " +
                          dtype_name(m.dtype) + ")",
                      "close other programs, or choose a smaller --dtype (bfloat16 halves float32)");
    torch::NoGradGuard no_grad;
    m.net = LlamaForCausalLM(m.config, at::TensorOptions().dtype(m.dtype).device(m.device));

    const double total = std::max<double>(1.0, (double)ckpt.total_bytes());
    double done = 0;
    for (auto& [name, param] : hf_named_tensors(m.net)) {
        const io::TensorInfo* info = ckpt.find(name);
        if (!info || at::IntArrayRef(info->shape) != param.sizes())   // llama_tensor_layout disagrees with the net
            throw Error(dir.string() + ": internal error: the network's tensor \"" + name + "\" " +
                        shape_str(param.sizes()) + " is not in the checked layout; please report this bug");
        ckpt.read_into(name, param);   // pread: no second copy; a file truncated meanwhile is an error, not SIGBUS
        if (!param.isfinite().all().item<bool>())   // one pass over the weights; a damaged file must not load silently
            throw Error(dir.string() + ": tensor \"" + name + "\" holds NaN or infinite values; the checkpoint is "
                        "damaged (or was exported from a diverged run): re-download or re-export it");
        done += (double)(info->end - info->begin);
        if (opt.progress) opt.progress(done / total);
    }
    // A tied config with a separate lm_head in the file: the file's head is unused, so it must be the embedding
    // (some exporters write the copy); a different one means config.json does not describe these weights.
    if (m.config.tie_word_embeddings && ckpt.find("lm_head.weight") &&
        !ckpt.read("lm_head.weight").to(at::kFloat).equal(ckpt.read("model.embed_tokens.weight").to(at::kFloat)))
        throw Error(dir.string() + ": config.json says tie_word_embeddings, but the checkpoint's lm_head.weight differs "
                    "from model.embed_tokens.weight; set \"tie_word_embeddings\": false if the head is its own");
    m.net->eval();
    attach_tokenizer(m, opt.tokenizer);
    return m;
}

LoadedModel make_model(const LlamaConfig& config, const LoadOptions& opt, uint64_t seed) {
    LoadedModel m;
    m.config = config;
    m.device = parse_device(opt.device);
    m.dtype = parse_dtype(opt.dtype, m.device);
    m.net = LlamaForCausalLM(config, at::TensorOptions().dtype(m.dtype).device(m.device));
    init_weights(m.net, seed);
    return m;
}

}  // namespace llms

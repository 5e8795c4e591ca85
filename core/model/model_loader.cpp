#include "core/model/model_loader.h"

#include "core/common/error.h"
#include "core/io/safetensors.h"

#include <torch/torch.h>

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
    if (s == "float32" || s == "fp32" || s == "f32") return at::kFloat;
    if (s == "bfloat16" || s == "bf16") return at::kBFloat16;
    if (s == "float16" || s == "fp16" || s == "f16") return at::kHalf;
    throw Error("unknown dtype \"" + s + "\" (use auto, float32, bfloat16 or float16)");
}

std::string dtype_name(at::ScalarType t) {
    switch (t) {
        case at::kFloat: return "float32";
        case at::kBFloat16: return "bfloat16";
        case at::kHalf: return "float16";
        default: return c10::toString(t);
    }
}

static std::string shape_str(at::IntArrayRef s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}

static void attach_tokenizer(LoadedModel& m, bool want) {
    if (!want) return;
    const fs::path tok = m.dir / "tokenizer.model";
    if (!fs::exists(tok)) {
        m.tokenizer_error = m.dir.string() + ": no tokenizer.model in the model folder (text in/out needs it; ids work)";
        return;
    }
    try {
        m.tokenizer = std::make_shared<Tokenizer>(Tokenizer::load(tok));
    } catch (const Error& e) {
        m.tokenizer_error = e.what();
    }
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
    torch::NoGradGuard no_grad;
    m.net = LlamaForCausalLM(m.config, at::TensorOptions().dtype(m.dtype).device(m.device));

    std::set<std::string> expected;
    const double total = std::max<double>(1.0, (double)ckpt.total_bytes());
    double done = 0;
    for (auto& [name, param] : hf_named_tensors(m.net)) {
        expected.insert(name);
        const io::TensorInfo* info = ckpt.find(name);
        if (!info)
            throw Error(dir.string() + ": tensor \"" + name + "\" is missing from the checkpoint (config.json says " +
                        std::to_string(m.config.num_hidden_layers) + " layers" +
                        (m.config.tie_word_embeddings ? "" : ", untied lm_head") + ")");
        if (at::IntArrayRef(info->shape) != param.sizes())
            throw Error(dir.string() + ": tensor \"" + name + "\" has shape " + shape_str(info->shape) +
                        " but config.json implies " + shape_str(param.sizes()));
        param.copy_(ckpt.tensor(name));
        done += (double)(info->end - info->begin);
        if (opt.progress) opt.progress(done / total);
    }
    std::vector<std::string> unexpected;
    for (const auto& n : ckpt.names()) {
        if (expected.count(n)) continue;
        if (n.size() >= 19 && n.compare(n.size() - 19, 19, "rotary_emb.inv_freq") == 0) continue;   // HF buffer
        if (n == "lm_head.weight" && m.config.tie_word_embeddings) continue;   // tied copy some exporters write
        unexpected.push_back(n);
    }
    if (!unexpected.empty()) {
        std::string list;
        for (size_t i = 0; i < unexpected.size() && i < 5; ++i) list += (i ? ", " : "") + unexpected[i];
        if (unexpected.size() > 5) list += ", ... (" + std::to_string(unexpected.size()) + " in all)";
        throw Error(dir.string() + ": unexpected tensors not used by " + m.config.architecture + ": " + list +
                    " (is config.json the one that belongs to these weights?)");
    }
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

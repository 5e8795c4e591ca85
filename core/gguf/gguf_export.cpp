#include "core/gguf/gguf_export.h"

#include "core/common/error.h"
#include "core/io/output_folder.h"
#include "core/gguf/ggml_quants.h"
#include "core/gguf/gguf_tensors.h"
#include "core/gguf/gguf_reader.h"
#include "core/gguf/gguf_vocab.h"
#include "core/gguf/gguf_writer.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace llms::gguf {

namespace fs = std::filesystem;

namespace {

// Llama 3's frequency bands as llama.cpp applies them: each rotary frequency is divided by its factor.
std::vector<float> llama3_rope_factors(const LlamaConfig& c) {
    const int64_t dim = head_dim_of(c);
    const double factor = c.rope_factor, lo = c.rope_low_freq_factor, hi = c.rope_high_freq_factor;
    const double old = c.rope_original_max_position > 0 ? (double)c.rope_original_max_position : 8192.0;
    const double low_wavelen = old / lo, high_wavelen = old / hi;
    std::vector<float> out;
    for (int64_t i = 0; i < dim / 2; ++i) {
        const float freq = (float)(1.0 / std::pow(c.rope_theta, (double)(2 * i) / (double)dim));
        const double wavelen = 2 * M_PI / freq;
        if (wavelen < high_wavelen) out.push_back(1.0f);
        else if (wavelen > low_wavelen) out.push_back((float)factor);
        else {
            const double smooth = (old / wavelen - lo) / (hi - lo);
            out.push_back((float)(1.0 / ((1 - smooth) / factor + smooth)));
        }
    }
    return out;
}

}  // namespace

void check_gguf_output(const fs::path& out, const fs::path& model_dir, bool overwrite) {
    const fs::path f = io::clean_path(out);
    if (f.extension() != ".gguf") throw Error(f.string() + ": a GGUF file name ends in .gguf");
    io::check_new_file_place(f, model_dir);
    std::error_code ec;
    if (!fs::exists(f, ec)) return;
    bool ours = false;
    try {
        ours = fs::is_regular_file(f, ec) && GgufFile::open(f).metadata().find(kExportedByKey) != nullptr;
    } catch (const Error&) {
    }
    if (!ours) throw Error(f.string() + ": exists and is not a GGUF file llm-surgery wrote; choose a new file name");
    if (!overwrite) throw Error(f.string() + ": exists; choose a new file name, or allow replacing it");
}

std::string gguf_architecture(const LlamaConfig& c) {
    const std::string& a = c.architecture;
    if (a == "LlamaForCausalLM" || a == "MistralForCausalLM") return "llama";
    if (a == "Qwen2ForCausalLM") return "qwen2";
    if (a == "Qwen3ForCausalLM") {
        if (c.qkv_bias || c.o_bias) throw Error("GGUF export: a Qwen3 model with attention biases is not one llama.cpp loads");
        return "qwen3";
    }
    throw Error("GGUF export: " + a + " has no GGUF architecture here (Llama, Mistral, Qwen2, Qwen3)");
}

void export_gguf(const fs::path& out, const LlamaConfig& c, const fs::path& model_dir, const Tokenizer& tok,
                 const std::vector<std::pair<std::string, at::Tensor>>& tensors, const GgufExportOptions& o,
                 const std::function<void(double)>& progress) {
    const std::string arch = gguf_architecture(c);
    const int64_t hd = head_dim_of(c);
    if (arch == "qwen2" && hd * c.num_attention_heads != c.hidden_size)
        throw Error("GGUF export: llama.cpp's qwen2 needs head_dim x heads = hidden_size");

    Metadata md;
    auto key = [&](const std::string& k) { return arch + "." + k; };
    md.set("general.architecture", Value::string(arch));
    md.set("general.type", Value::string("model"));
    fs::path folder = fs::absolute(model_dir).lexically_normal();
    if (folder.filename().empty()) folder = folder.parent_path();   // "dir/"
    md.set("general.name", Value::string(o.name.empty() ? folder.filename().string() : o.name));
    md.set(key("block_count"), Value::u32((uint32_t)c.num_hidden_layers));
    md.set(key("context_length"), Value::u32((uint32_t)c.max_position_embeddings));
    md.set(key("embedding_length"), Value::u32((uint32_t)c.hidden_size));
    md.set(key("feed_forward_length"), Value::u32((uint32_t)c.intermediate_size));
    md.set(key("attention.head_count"), Value::u32((uint32_t)c.num_attention_heads));
    md.set(key("attention.head_count_kv"), Value::u32((uint32_t)c.num_key_value_heads));
    md.set(key("rope.freq_base"), Value::f32((float)c.rope_theta));
    md.set(key("attention.layer_norm_rms_epsilon"), Value::f32((float)c.rms_norm_eps));
    md.set(key("attention.key_length"), Value::u32((uint32_t)hd));
    md.set(key("attention.value_length"), Value::u32((uint32_t)hd));
    if (arch == "llama") {
        md.set(key("vocab_size"), Value::u32((uint32_t)c.vocab_size));
        md.set(key("rope.dimension_count"), Value::u32((uint32_t)hd));
    }
    if (c.rope_type == "linear") {
        md.set(key("rope.scaling.type"), Value::string("linear"));
        md.set(key("rope.scaling.factor"), Value::f32((float)c.rope_factor));
    }
    md.set("general.file_type", Value::u32(file_type(o.type)));
    md.set("general.quantization_version", Value::u32(2));
    md.set(kExportedByKey, Value::string("llm-surgery"));
    add_tokenizer_metadata(md, model_dir, tok, c.vocab_size);

    // The tensors in llama.cpp's names and types; rope_freqs (Llama 3) first, as the converter writes it.
    std::vector<TensorInfo> infos;
    std::vector<std::function<at::Tensor()>> source;
    if (c.rope_type == "llama3") {
        if (arch != "llama") throw Error("GGUF export: llama3 rope scaling on " + c.architecture + " is not supported");
        const auto factors = llama3_rope_factors(c);
        infos.push_back({"rope_freqs.weight", {(int64_t)factors.size()}, TensorType::F32});
        source.push_back([factors] { return at::tensor(factors); });
    }
    for (const auto& [hf, t] : tensors) {
        if (hf == "lm_head.weight" && c.tie_word_embeddings) continue;   // llama.cpp reuses token_embd
        const std::string name = gguf_name(hf);
        if (name.empty()) throw Error("GGUF export: tensor \"" + hf + "\" has no GGUF name; please report this bug");
        const TensorType type = storage_type(name, t, o.type, c.tie_word_embeddings);
        infos.push_back({name, t.sizes().vec(), type});
        const at::Tensor tensor = t;
        source.push_back([tensor, hf, arch, &c] { return in_gguf_row_order(tensor, hf, arch, c); });
    }
    write_gguf(out, md, infos, [&](size_t i) { return bytes_of(source[i](), infos[i].type); }, progress);
}

}  // namespace llms::gguf

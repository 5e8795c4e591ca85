// llm-surgery-cli export MODEL_DIR --out FILE.gguf [--adapter PEFT_DIR] [--format gguf|gguf-lora|hf]: a model as one
// GGUF file for llama.cpp; with a LoRA adapter, the model with the adapter merged (GGUF or HF folder), or the adapter
// alone as a GGUF LoRA file.
#include "app/cli/command.h"
#include "app/cli/model_options.h"
#include "app/cli/progress_line.h"
#include "core/common/error.h"
#include "core/gguf/gguf_export.h"
#include "core/gguf/gguf_lora.h"
#include "core/io/hf_folder.h"
#include "core/io/output_folder.h"
#include "core/io/peft_folder.h"
#include "core/model/lora.h"

#include <cstdio>

namespace llms::cli {
namespace {

namespace fs = std::filesystem;

int run(const std::vector<std::string>& argv) {
    Args a(argv, {});
    auto known = kModelOptions;
    known.insert({"format", "type", "out", "name", "overwrite-out", "adapter"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const fs::path model_dir = a.positional()[0], out = a.require("out");
    const std::string format = a.get("format", "gguf");
    if (format != "gguf" && format != "gguf-lora" && format != "hf") throw Error("--format expects gguf, gguf-lora or hf, got \"" + format + "\"");
    if (format != "gguf" && !a.has("adapter"))
        throw Error("--format " + format + " needs --adapter PEFT_DIR (an HF folder without one is what surgery writes)");
    const bool overwrite = a.get_yes_no("overwrite-out", false);
    gguf::TensorType type = gguf::TensorType::F16;
    if (format != "hf") {
        if (!gguf::type_from_name(a.get("type", "f16"), &type))
            throw Error("--type: unknown GGUF type \"" + a.get("type") + "\" (f32, f16, bf16, q8_0, q4_0)");
        if (format == "gguf-lora" && type != gguf::TensorType::F32 && type != gguf::TensorType::F16 && type != gguf::TensorType::BF16)
            throw Error("--type: a GGUF LoRA adapter is written as f32, f16 or bf16");
        gguf::check_gguf_output(out, model_dir, overwrite);
    } else {
        io::check_output_folder(out, model_dir, overwrite);
    }
    // The adapter before minutes of loading: a bad folder fails at once.
    io::PeftAdapter adapter;
    if (a.has("adapter")) {
        if (io::same_or_inside(out, a.get("adapter"))) throw Error("--out is inside the adapter folder; choose another place");
        adapter = io::read_peft_folder(a.get("adapter"));
    }
    ProgressLine bar;
    auto progress = [&](double f) {
        char line[96];
        std::snprintf(line, sizeof line, "writing %s: %3.0f%%", out.filename().string().c_str(), 100 * f);
        bar.update(line, false);
    };
    if (format == "gguf-lora") {   // the base model's config.json is all it needs: no loading of its weights
        const auto config = LlamaConfig::load(model_dir / "config.json");
        io::check_adapter_fits(config, adapter);
        gguf::export_gguf_lora(out, config, a.get("name", io::clean_path(model_dir).filename().string()), adapter, type, progress);
        bar.finish();
        std::fprintf(stderr, "wrote %s (%s, %s, LoRA adapter)\n", out.string().c_str(), gguf::type_name(type).c_str(),
                     gguf::gguf_architecture(config).c_str());
        return 0;
    }
    auto m = load_for_cli(a, model_dir, true, "float32");
    if (format != "hf") (void)gguf::gguf_architecture(m.config);   // refuses before anything is written
    if (a.has("adapter")) attach_lora_tensors(m.net, adapter.config, adapter.modules);   // shapes checked here
    if (format == "hf") {
        io::HfWriteOptions w;
        w.dtype = m.config.torch_dtype;   // the format the user came with
        w.progress = progress;
        w.overwrite = overwrite;
        io::write_hf_folder(out, model_dir, m.config.to_json_text(), merged_named_tensors(m.net), w);
    } else {
        gguf::GgufExportOptions o;
        o.type = type;
        o.name = a.get("name", "");
        gguf::export_gguf(out, m.config, model_dir, m.tok(), merged_named_tensors(m.net), o, progress);
    }
    bar.finish();
    if (format == "hf") std::fprintf(stderr, "wrote %s (the model with the adapter merged)\n", out.string().c_str());
    else
        std::fprintf(stderr, "wrote %s (%s, %s%s)\n", out.string().c_str(), gguf::type_name(type).c_str(),
                     gguf::gguf_architecture(m.config).c_str(), a.has("adapter") ? ", adapter merged" : "");
    return 0;
}

CommandRegistrar reg({"export", "write a model (or a LoRA adapter) as GGUF for llama.cpp / Ollama / LM Studio",
                      std::string("usage: llm-surgery-cli export MODEL_DIR --out FILE.gguf [--type f32|f16|bf16|q8_0|q4_0]\n"
                                  "         [--adapter PEFT_DIR [--format gguf|gguf-lora|hf]] [--name NAME]\n"
                                  "         [--overwrite-out yes|no]\n\n"
                                  "Writes the model folder (an edited one from `surgery`, or any supported model) as one\n"
                                  "GGUF file, as llama.cpp's converter does: architecture llama (Llama, Mistral), qwen2 or\n"
                                  "qwen3, the tokenizer and chat template, the weights in --type (default f16). Norms and\n"
                                  "other 1-D tensors stay f32; in q4_0 the output matrix is q8_0. The file is written to a\n"
                                  "temporary name and renamed when complete; the input folder is never modified.\n"
                                  "With --adapter (a PEFT LoRA folder, e.g. from `surgery --lora ... --adapter-out`):\n"
                                  "  --format gguf       the model with the adapter merged, as GGUF (default)\n"
                                  "  --format gguf-lora  the adapter alone as a GGUF LoRA file (--type f32, f16, bf16), for\n"
                                  "                      llama.cpp's --lora / Ollama's ADAPTER on the base model's GGUF\n"
                                  "  --format hf         the model with the adapter merged, as an HF folder (--out a folder)\n"
                                  "  --type T            f32, f16 (default), bf16, q8_0, q4_0\n"
                                  "  --name NAME         general.name in the file (default: the folder's name)\n"
                                  "  --overwrite-out yes replace an existing output that llm-surgery wrote\n") +
                          kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli

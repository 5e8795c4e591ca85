// llm-surgery-cli export MODEL_DIR --format gguf --type T --out FILE.gguf: a model as one GGUF file for llama.cpp.
#include "app/cli/command.h"
#include "app/cli/model_options.h"
#include "app/cli/progress_line.h"
#include "core/common/error.h"
#include "core/gguf/gguf_export.h"
#include "core/model/llama.h"

#include <cstdio>

namespace llms::cli {
namespace {

namespace fs = std::filesystem;

int run(const std::vector<std::string>& argv) {
    Args a(argv, {});
    auto known = kModelOptions;
    known.insert({"format", "type", "out", "name", "overwrite-out"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const fs::path model_dir = a.positional()[0], out = a.require("out");
    if (a.get("format", "gguf") != "gguf") throw Error("--format: only gguf is written here (an HF folder is what surgery writes)");
    gguf::GgufExportOptions o;
    if (!gguf::type_from_name(a.get("type", "f16"), &o.type))
        throw Error("--type: unknown GGUF type \"" + a.get("type") + "\" (f32, f16, bf16, q8_0, q4_0)");
    o.name = a.get("name", "");
    const std::string ow = a.get("overwrite-out", "no");
    if (ow != "yes" && ow != "no") throw Error("--overwrite-out expects yes or no, got \"" + ow + "\"");
    gguf::check_gguf_output(out, model_dir, ow == "yes");
    auto m = load_for_cli(a, model_dir, true, "float32");
    (void)gguf::gguf_architecture(m.config);   // refuses before anything is written
    ProgressLine bar;
    gguf::export_gguf(out, m.config, model_dir, m.tok(), hf_named_tensors(m.net), o, [&](double f) {
        char line[96];
        std::snprintf(line, sizeof line, "writing %s: %3.0f%%", out.filename().string().c_str(), 100 * f);
        bar.update(line, false);
    });
    bar.finish();
    std::fprintf(stderr, "wrote %s (%s, %s)\n", out.string().c_str(), gguf::type_name(o.type).c_str(),
                 gguf::gguf_architecture(m.config).c_str());
    return 0;
}

CommandRegistrar reg({"export", "write a model as a GGUF file (llama.cpp, Ollama, LM Studio)",
                      std::string("usage: llm-surgery-cli export MODEL_DIR --out FILE.gguf [--type f32|f16|bf16|q8_0|q4_0]\n"
                                  "         [--format gguf] [--name NAME] [--overwrite-out yes|no]\n\n"
                                  "Writes the model folder (an edited one from `surgery`, or any supported model) as one\n"
                                  "GGUF file, as llama.cpp's converter does: architecture llama (Llama, Mistral), qwen2 or\n"
                                  "qwen3, the tokenizer and chat template, the weights in --type (default f16). Norms and\n"
                                  "other 1-D tensors stay f32; in q4_0 the output matrix is q8_0. The file is written to a\n"
                                  "temporary name and renamed when complete; the input folder is never modified.\n"
                                  "  --type T            f32, f16 (default), bf16, q8_0, q4_0\n"
                                  "  --name NAME         general.name in the file (default: the folder's name)\n"
                                  "  --overwrite-out yes replace an existing .gguf that llm-surgery wrote\n") +
                          kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli

// Export: any kept weights (original or a run's) as a HF folder via io::write_hf_folder (atomic, never over
// the source folder, tokenizer and side files copied from it), or as one GGUF file (core/gguf/gguf_export.h); a
// LoRA run's adapter as a PEFT folder or a GGUF LoRA file.
#include "core/common/dtype_torch.h"
#include "core/common/error.h"
#include "core/gguf/gguf_export.h"
#include "core/gguf/gguf_lora.h"
#include "core/io/hf_folder.h"
#include "core/io/output_folder.h"
#include "core/session/session_impl.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace llms::session {

void Session::export_model(const std::filesystem::path& out_dir, int run_id, const ExportOptions& opt,
                           const std::function<void(double)>& progress) {
    auto& I = *impl_;
    auto& m = I.model();
    if (!opt.adapter.empty()) {   // a LoRA run's adapter alone
        const auto it = I.run_adapters.find(run_id);
        if (it == I.run_adapters.end())
            throw Error("export: " + (run_id == 0 ? std::string("the original model") : "run " + std::to_string(run_id)) +
                        " has no LoRA adapter (only runs with LoRA have one)");
        if (opt.adapter == "peft") {
            io::write_peft_folder(out_dir, I.card.dir, it->second, opt.overwrite);
            if (progress) progress(1.0);
            return;
        }
        gguf::TensorType type = gguf::TensorType::F16;
        if (opt.adapter != "gguf" || !gguf::type_from_name(opt.gguf_type.empty() ? "f16" : opt.gguf_type, &type))
            throw Error("export: unknown adapter format \"" + opt.adapter + "\" / type \"" + opt.gguf_type + "\"");
        gguf::check_gguf_output(out_dir, I.card.dir, opt.overwrite);
        gguf::export_gguf_lora(out_dir, m.config, io::clean_path(I.card.dir).filename().string(), it->second, type, progress);
        return;
    }
    gguf::GgufExportOptions g;
    if (!opt.gguf_type.empty()) {
        if (!gguf::type_from_name(opt.gguf_type, &g.type))
            throw Error("export: unknown GGUF type \"" + opt.gguf_type + "\" (f32, f16, bf16, q8_0, q4_0)");
        gguf::check_gguf_output(out_dir, I.card.dir, opt.overwrite);
        (void)gguf::gguf_architecture(m.config);
    } else if (!dtype_by_name(opt.dtype)) {
        throw Error("export: unknown dtype \"" + opt.dtype + "\" (" + kDtypeNames + ")");
    }
    const Weights& w = I.weights_of(run_id);
    const auto live = hf_named_tensors(m.net);
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    tensors.reserve(w.size());
    for (size_t i = 0; i < w.size(); ++i) tensors.emplace_back(live[i].first, w[i]);
    if (!opt.gguf_type.empty()) {
        gguf::export_gguf(out_dir, m.config, I.card.dir, m.tok(), tensors, g, progress);
        return;
    }

    io::HfWriteOptions o;
    o.dtype = opt.dtype;
    o.overwrite = opt.overwrite;
    o.progress = progress;
    // known_facts.jsonl describes what the original knew: an edited model no longer matches it, so it is
    // not copied; a note says where the folder came from (its name only: the folder may be published, and a full
    // path would tell the world the user's name and disk layout).
    nlohmann::json note = {{"source", io::clean_path(I.card.dir).filename().string()},
                           {"weights", run_id == 0 ? std::string("original") : "surgery run " + std::to_string(run_id)}};
    o.extra_text_files.push_back({"llm_surgery_export.json", note.dump(2) + "\n"});
    write_hf_folder(out_dir, I.card.dir, m.config.to_json_text(), tensors, o);
}

}  // namespace llms::session

#include "core/pretrain/model_folder.h"

#include "core/io/hf_folder.h"

namespace llms::pretrain {

void write_model_folder(const std::filesystem::path& out, const LlamaConfig& config,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors, const ModelFolderFiles& files,
                        bool overwrite) {
    io::HfWriteOptions w;
    w.dtype = "float32";
    w.overwrite = overwrite;
    w.extra_copied_files.emplace_back("tokenizer.model", files.tokenizer_model);
    if (!files.heldout_txt.empty()) w.extra_copied_files.emplace_back("heldout.txt", files.heldout_txt);
    if (files.known_facts_jsonl) w.extra_text_files.emplace_back("known_facts.jsonl", *files.known_facts_jsonl);
    w.extra_text_files.emplace_back("pretrain.json", files.pretrain_json);
    // No source folder: everything the folder holds is listed above.
    io::write_hf_folder(out, {}, config.to_json_text(), tensors, w);
}

}  // namespace llms::pretrain

#include "core/io/peft_folder.h"

#include "core/common/error.h"
#include "core/io/atomic_folder.h"
#include "core/io/atomic_write.h"
#include "core/io/json_input.h"
#include "core/io/output_folder.h"
#include "core/io/read_file.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace llms::io {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string kPrefix = "base_model.model.";

std::string folder_name(const fs::path& dir) {
    fs::path p = clean_path(dir);
    return p.filename().string();
}

}  // namespace

void check_adapter_fits(const LlamaConfig& c, const PeftAdapter& a) {
    static const std::regex path(R"(model\.layers\.(\d{1,6})\.(self_attn|mlp)\.([a-z_]+))");
    for (const auto& [module, ab] : a.modules) {
        std::smatch m;
        if (!std::regex_match(module, m, path) || std::stoll(m[1]) >= c.num_hidden_layers)
            throw Error("LoRA adapter: this model (" + std::to_string(c.num_hidden_layers) + " layers) has no module \"" +
                        module + "\"");
        const auto [in, out] = lora_module_shape(c, m[3].str());
        const auto& [A, B] = ab;
        if (A.size(1) != in || B.size(0) != out)
            throw Error("LoRA adapter: \"" + module + "\" has A " + std::to_string(A.size(0)) + "x" + std::to_string(A.size(1)) +
                        " and B " + std::to_string(B.size(0)) + "x" + std::to_string(B.size(1)) + "; this model needs A " +
                        std::to_string(a.config.rank) + "x" + std::to_string(in) + " and B " + std::to_string(out) + "x" +
                        std::to_string(a.config.rank) + " (an adapter for another model?)");
    }
}

PeftAdapter peft_adapter_of(LlamaForCausalLM& m) {
    PeftAdapter a;
    for (auto& s : lora_sites(m, &a.config))
        a.modules.emplace_back(s.module, std::make_pair(s.linear->lora_A.detach().cpu().clone(), s.linear->lora_B.detach().cpu().clone()));
    if (a.modules.empty()) throw Error("the model has no LoRA adapter attached");
    return a;
}

void write_peft_folder(const fs::path& out, const fs::path& source_dir, const PeftAdapter& a, bool overwrite,
                       const std::vector<std::pair<std::string, std::string>>& extra_text_files) {
    check_output_folder(out, source_dir, overwrite);
    for (const auto& [name, text] : extra_text_files)
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." ||
            name == "adapter_config.json" || name == "adapter_model.safetensors")
            throw Error(out.string() + ": extra file name \"" + name + "\" is not allowed");
    if (!a.config.enabled() || a.modules.empty()) throw Error(out.string() + ": no LoRA adapter to write");
    nlohmann::ordered_json cfg;
    cfg["peft_type"] = "LORA";
    cfg["task_type"] = "CAUSAL_LM";
    // The base model's folder name only: the adapter may be published, and a full path would tell the world the
    // user's name and disk layout.
    cfg["base_model_name_or_path"] = a.base_model.empty() ? folder_name(source_dir) : a.base_model;
    cfg["r"] = a.config.rank;
    cfg["lora_alpha"] = a.config.alpha;
    cfg["target_modules"] = a.config.targets;
    cfg["lora_dropout"] = 0.0;
    cfg["bias"] = "none";
    cfg["fan_in_fan_out"] = false;
    cfg["use_rslora"] = false;
    cfg["use_dora"] = false;
    cfg["modules_to_save"] = nullptr;
    cfg["layers_to_transform"] = nullptr;
    cfg["init_lora_weights"] = true;
    cfg["inference_mode"] = true;
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    for (const auto& [module, ab] : a.modules) {
        tensors.emplace_back(kPrefix + module + ".lora_A.weight", ab.first.detach().to(at::kCPU, at::kFloat).contiguous());
        tensors.emplace_back(kPrefix + module + ".lora_B.weight", ab.second.detach().to(at::kCPU, at::kFloat).contiguous());
    }
    write_folder_atomic(out, "a LoRA adapter folder", [&](const fs::path& tmp) {
        save_safetensors(tmp / "adapter_model.safetensors", tensors, {{"format", "pt"}});
        for (const auto& [name, text] : extra_text_files) write_file_atomic(tmp / name, text);
        write_file_atomic(tmp / "adapter_config.json", cfg.dump(2) + "\n");
    });
}

PeftAdapter read_peft_folder(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": not a folder (a PEFT adapter folder holds adapter_config.json)");
    const fs::path cfg_path = dir / "adapter_config.json";
    const json cfg = parse_json_input(read_regular_file(cfg_path, kMaxConfigBytes, "adapter_config.json"), cfg_path.string());
    const auto bad = [&](const std::string& why) { return Error(cfg_path.string() + ": " + why); };
    if (!cfg.is_object()) throw bad("not a JSON object");
    const auto str = [&](const char* k) -> std::string {
        const auto it = cfg.find(k);
        return it != cfg.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto truthy = [&](const char* k) {
        const auto it = cfg.find(k);
        if (it == cfg.end() || it->is_null()) return false;
        if (it->is_boolean()) return it->get<bool>();
        if (it->is_array() || it->is_object() || it->is_string()) return !it->empty() && *it != "";
        return true;
    };
    if (str("peft_type") != "LORA")
        throw bad("peft_type is \"" + str("peft_type") + "\"; only LoRA adapters (peft_type LORA) are supported");
    // Features that change the arithmetic W + (alpha/r) B A are refused rather than silently ignored.
    for (const char* k : {"use_dora", "fan_in_fan_out", "rank_pattern", "alpha_pattern", "modules_to_save",
                          "layers_to_transform", "layer_replication"})
        if (truthy(k)) throw bad(std::string("uses ") + k + ", which llm-surgery does not support");
    if (cfg.contains("bias") && str("bias") != "none") throw bad("trains biases (bias \"" + str("bias") + "\"), not supported");

    PeftAdapter a;
    a.base_model = str("base_model_name_or_path");
    const auto r = cfg.find("r");
    if (r == cfg.end() || !r->is_number_integer() || r->get<int64_t>() < 1 || r->get<int64_t>() > 4096)
        throw bad("r must be an integer in 1..4096, got " + (r == cfg.end() ? std::string("nothing") : json_preview(*r)));
    a.config.rank = r->get<int64_t>();
    const auto alpha = cfg.find("lora_alpha");
    if (alpha == cfg.end() || !alpha->is_number() || !std::isfinite(alpha->get<double>()) || !(alpha->get<double>() > 0))
        throw bad("lora_alpha must be a positive number, got " + (alpha == cfg.end() ? std::string("nothing") : json_preview(*alpha)));
    a.config.alpha = alpha->get<double>();
    if (truthy("use_rslora")) a.config.alpha *= std::sqrt((double)a.config.rank);   // scale alpha/sqrt(r) = alpha'/r
    const auto targets = cfg.find("target_modules");
    if (targets == cfg.end() || !targets->is_array() || targets->empty())
        throw bad("target_modules must be a list of module names (a pattern string is not supported)");
    std::string list;
    for (const auto& t : *targets) {
        if (!t.is_string()) throw bad("target_modules holds " + json_preview(t) + ", not a module name");
        if (!list.empty()) list += ',';
        list += t.get<std::string>();
    }
    try {
        a.config.targets = parse_lora(std::to_string(a.config.rank), list).targets;
    } catch (const Error& e) {
        throw bad(e.what());
    }

    const fs::path weights = dir / "adapter_model.safetensors";
    if (!fs::exists(weights, ec) && fs::exists(dir / "adapter_model.bin", ec))
        throw Error(pickle_refusal_message(dir / "adapter_model.bin"));
    const auto file = SafetensorsFile::open(weights);
    static const std::regex key(R"(base_model\.model\.(model\.layers\.\d{1,6}\.(self_attn|mlp)\.([a-z_]+))\.lora_([AB])\.weight)");
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> by_module;
    std::vector<std::string> order;
    for (const auto& info : file.tensors()) {
        std::smatch m;
        if (!std::regex_match(info.name, m, key) ||
            std::find(a.config.targets.begin(), a.config.targets.end(), m[3].str()) == a.config.targets.end())
            throw Error(weights.string() + ": tensor \"" + info.name + "\" is not a LoRA weight of the target modules " +
                        a.config.targets_text() + " (expected base_model.model.model.layers.N.<module>.lora_A.weight)");
        auto& slot = by_module[m[1].str()];
        if (!slot.first.defined() && !slot.second.defined()) order.push_back(m[1].str());
        at::Tensor t = file.read(info.name);
        if (t.dim() != 2) throw Error(weights.string() + ": \"" + info.name + "\" is not a matrix");
        if (!at::isFloatingType(t.scalar_type())) throw Error(weights.string() + ": \"" + info.name + "\" is not floating point");
        t = t.to(at::kFloat);
        if (!at::isfinite(t).all().item<bool>()) throw Error(weights.string() + ": \"" + info.name + "\" holds NaN or infinite values");
        (m[4] == "A" ? slot.first : slot.second) = t;
    }
    for (const auto& module : order) {
        auto& [A, B] = by_module[module];
        if (!A.defined() || !B.defined())
            throw Error(weights.string() + ": " + module + " has lora_" + (A.defined() ? "A" : "B") + " without lora_" +
                        (A.defined() ? "B" : "A"));
        if (A.size(0) != a.config.rank || B.size(1) != a.config.rank)
            throw Error(weights.string() + ": " + module + " has rank " + std::to_string(A.size(0)) + "/" +
                        std::to_string(B.size(1)) + ", adapter_config.json says r = " + std::to_string(a.config.rank));
        a.modules.emplace_back(module, std::make_pair(A, B));
    }
    if (a.modules.empty()) throw Error(weights.string() + ": holds no LoRA weights");
    return a;
}

}  // namespace llms::io

#include "core/gguf/gguf_lora.h"

#include "core/common/error.h"
#include "core/gguf/gguf_export.h"
#include "core/gguf/gguf_tensors.h"
#include "core/gguf/gguf_writer.h"

#include <ATen/ATen.h>

namespace llms::gguf {

void export_gguf_lora(const std::filesystem::path& out, const LlamaConfig& c, const std::string& base_name,
                      const io::PeftAdapter& a, TensorType type, const std::function<void(double)>& progress) {
    if (type != TensorType::F32 && type != TensorType::F16 && type != TensorType::BF16)
        throw Error("GGUF LoRA adapter: type " + type_name(type) + " is not offered (f32, f16 or bf16)");
    const std::string arch = gguf_architecture(c);
    Metadata md;
    md.set("general.architecture", Value::string(arch));
    md.set("general.type", Value::string("adapter"));
    md.set("general.name", Value::string(base_name + " LoRA"));
    md.set("general.file_type", Value::u32(file_type(type)));
    md.set("general.quantization_version", Value::u32(2));
    md.set("adapter.type", Value::string("lora"));
    md.set("adapter.lora.alpha", Value::f32((float)a.config.alpha));
    md.set(kExportedByKey, Value::string("llm-surgery"));

    std::vector<TensorInfo> infos;
    std::vector<std::function<at::Tensor()>> source;
    for (const auto& [module, ab] : a.modules) {
        const std::string weight = module + ".weight", name = gguf_name(weight);
        if (name.empty()) throw Error("GGUF LoRA adapter: module \"" + module + "\" has no GGUF name");
        const at::Tensor A = ab.first, B = ab.second;
        infos.push_back({name + ".lora_a", A.sizes().vec(), type});
        source.push_back([A] { return A.detach().to(at::kCPU, at::kFloat); });
        infos.push_back({name + ".lora_b", B.sizes().vec(), type});
        source.push_back([B, weight, arch, &c] { return in_gguf_row_order(B, weight, arch, c); });
    }
    write_gguf(out, md, infos, [&](size_t i) { return bytes_of(source[i](), infos[i].type); }, progress);
}

}  // namespace llms::gguf

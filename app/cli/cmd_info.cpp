// llm-surgery-cli info MODEL_DIR [--json]
#include "app/cli/command.h"
#include "core/chat/chat_template.h"
#include "core/chat/chat_template_file.h"
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "core/model/llama_config.h"
#include "core/model/model_loader.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

std::string human_bytes(double b) {
    const char* unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1024 && u < 4) b /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json"});
    a.check_known({"json"});
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const std::filesystem::path dir = a.positional()[0];
    const auto c = LlamaConfig::load(dir / "config.json");
    const auto ckpt = io::SafetensorsCheckpoint::open_folder(dir);   // validates every header
    const int64_t n = check_checkpoint_layout(dir, c, ckpt);   // names and shapes against config.json: a broken folder is an error

    nlohmann::json tok = {{"present", Tokenizer::folder_has_tokenizer(dir)}};
    if (tok["present"]) {
        try {
            std::string note;
            const Tokenizer t = Tokenizer::load_folder(dir, &note);   // tokenizer.json preferred
            const int pieces = t.vocab_size();
            tok["file"] = t.model_file().filename().string();
            tok["kind"] = t.kind();
            tok["vocab_size"] = pieces;
            if (!note.empty()) tok["note"] = note;
            if (pieces > c.vocab_size)
                tok["error"] = t.model_file().string() + " has " + std::to_string(pieces) +
                               " pieces, more than the model's vocab_size " + std::to_string(c.vocab_size) +
                               ": they do not belong together";
        } catch (const Error& e) {
            tok["error"] = e.what();
        }
    }
    // The chat template (instruct models): where it is, and whether the renderer takes it.
    nlohmann::json chat = nullptr;
    try {
        if (const auto t = chat::read_chat_template(dir)) {
            chat = {{"file", t->file.filename().string()}};
            try {
                (void)chat::ChatTemplate(t->text, t->file.string());
            } catch (const Error& e) {
                chat["error"] = e.what();
            }
        }
    } catch (const Error& e) {
        chat = {{"error", e.what()}};
    }
    nlohmann::json j = {
        {"path", dir.string()},
        {"architecture", c.architecture},
        {"model_type", c.model_type},
        {"parameters", n},
        {"dtype", c.torch_dtype},
        {"vocab_size", c.vocab_size},
        {"hidden_size", c.hidden_size},
        {"intermediate_size", c.intermediate_size},
        {"layers", c.num_hidden_layers},
        {"heads", c.num_attention_heads},
        {"kv_heads", c.num_key_value_heads},
        {"head_dim", c.head_dim},
        {"max_position_embeddings", c.max_position_embeddings},
        {"tie_word_embeddings", c.tie_word_embeddings},
        {"checkpoint_bytes", ckpt.total_bytes()},
        {"tensors", ckpt.names().size()},
        // Weights only; activations and the KV cache come on top.
        {"memory_estimate_bytes",
         {{"inference_float32", n * 4}, {"inference_bfloat16", n * 2},
          {"training_float32_adamw", n * 16}}},   // weights + grads + two AdamW moments
        {"tokenizer", tok},
        {"chat_template", chat},
    };
    if (a.flag("json")) {
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";   // a non-UTF-8 path
        return 0;
    }
    std::printf("model        %s\n", dir.string().c_str());
    std::printf("architecture %s (%s)\n", c.architecture.c_str(), c.model_type.c_str());
    std::printf("parameters   %lld (%.2fM)\n", (long long)n, n / 1e6);
    std::printf("dtype        %s, checkpoint %s in %zu tensors\n", c.torch_dtype.c_str(),
                human_bytes((double)ckpt.total_bytes()).c_str(), ckpt.names().size());
    std::printf("shape        %lld layers, hidden %lld, MLP %lld, %lld heads, %lld kv heads, head dim %lld\n",
                (long long)c.num_hidden_layers, (long long)c.hidden_size, (long long)c.intermediate_size,
                (long long)c.num_attention_heads, (long long)c.num_key_value_heads, (long long)c.head_dim);
    std::printf("vocab        %lld, context %lld, %s embeddings\n", (long long)c.vocab_size,
                (long long)c.max_position_embeddings, c.tie_word_embeddings ? "tied" : "untied");
    std::printf("tokenizer    %s\n", !tok["present"] ? "none (ids only)"
                                     : tok.contains("error") ? tok["error"].get<std::string>().c_str()
                                                             : (tok["kind"].get<std::string>() + ", " +
                                                                std::to_string(tok["vocab_size"].get<int>()) + " pieces" +
                                                                (tok.contains("note") ? "; " + tok["note"].get<std::string>() : ""))
                                                                   .c_str());
    std::printf("chat         %s\n", chat.is_null() ? "no chat template (not an instruct model)"
                                     : chat.contains("error") ? chat["error"].get<std::string>().c_str()
                                                              : ("template from " + chat["file"].get<std::string>() +
                                                                 " (--chat wraps prompts in it)").c_str());
    std::printf("memory       inference %s (fp32) / %s (bf16), training %s (fp32 + AdamW)\n",
                human_bytes(n * 4.0).c_str(), human_bytes(n * 2.0).c_str(), human_bytes(n * 16.0).c_str());
    return 0;
}

CommandRegistrar reg({"info", "describe a model folder (architecture, parameters, memory)",
                      "usage: llm-surgery-cli info MODEL_DIR [--json]\n\n"
                      "Reads config.json and validates every safetensors header without loading the weights.\n"
                      "  --json   machine-readable output\n",
                      run});

}  // namespace
}  // namespace llms::cli

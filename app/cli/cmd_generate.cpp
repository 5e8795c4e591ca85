// llm-surgery-cli generate MODEL_DIR --prompt TEXT [...]
#include "app/cli/model_options.h"
#include "core/chat/chat_prompts.h"
#include "core/eval/exact_match.h"
#include "core/generate/generate.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json", "chat"});
    auto known = kModelOptions;
    known.insert({"prompt", "max-new-tokens", "temperature", "top-p", "seed", "json", "chat"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("expected one MODEL_DIR (see --help)");
    const std::string prompt = a.require("prompt");
    GenerateOptions g;
    g.max_new_tokens = a.get_int("max-new-tokens", 32);
    g.temperature = a.get_double("temperature", 0.0);
    g.top_p = a.get_double("top-p", 1.0);
    g.seed = a.get_u64("seed", 0);
    if (g.max_new_tokens < 1) throw Error("--max-new-tokens must be at least 1");
    if (g.temperature < 0) throw Error("--temperature must be 0 (greedy) or positive");
    if (!(g.top_p > 0 && g.top_p <= 1)) throw Error("--top-p must be in (0, 1]");

    auto m = load_for_cli(a, a.positional()[0], true);
    const Tokenizer& tok = m.tok();
    g.eos_ids = m.stop_ids();
    // --chat: what the model reads is the prompt as a user turn of its chat template.
    const std::string model_prompt = a.flag("chat") ? require_chat(m).wrap(prompt) : prompt;
    const auto ids = tok.encode(model_prompt);
    const bool json = a.flag("json");

    // The decoder starts from the prompt so the completion keeps its leading space ("is" + " Paris").
    StreamingDecoder stream(tok);
    for (int32_t id : ids) stream.push(id);
    if (!json) std::cout << model_prompt << std::flush;
    auto r = generate(m.net, ids, g, [&](int32_t id, float) {
        if (!json) std::cout << stream.push(id) << std::flush;
        return true;
    });
    if (!json) {
        std::cout << "\n";
        return 0;
    }
    nlohmann::json j = {{"prompt", prompt},
                        {"model_prompt", model_prompt},
                        {"completion", completion_text(tok, ids, r.token_ids)},
                        {"token_ids", r.token_ids},
                        {"token_logprobs", r.token_logprobs}};
    // A prompt or completion is not always valid UTF-8 (a byte-level model may stop mid-character): U+FFFD there.
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
}

CommandRegistrar reg({"generate", "complete a prompt (greedy or sampled), streaming",
                      std::string("usage: llm-surgery-cli generate MODEL_DIR --prompt TEXT [--max-new-tokens N]\n"
                                  "         [--temperature T] [--top-p P] [--seed S] [--chat] [--json]\n\n"
                                  "  --prompt TEXT         the text to continue (the tokenizer's BOS, if any, is prepended)\n"
                                  "  --chat                instruct models: the prompt as a user turn of the model's\n"
                                  "                        chat template, the completion after the assistant header\n"
                                  "  --max-new-tokens N    default 32; stops early at EOS\n"
                                  "  --temperature T       0 (default) is greedy\n"
                                  "  --top-p P             nucleus sampling mass, default 1\n"
                                  "  --seed S              sampling seed, default 0\n"
                                  "  --json                print {prompt, model_prompt, completion, token_ids, token_logprobs}\n") +
                          kModelOptionsHelp,
                      run});

}  // namespace
}  // namespace llms::cli

// Fuzzes chat templates (the Jinja `chat_template` a model folder's tokenizer_config.json or chat_template.jinja
// carries): the input is parsed by chat::ChatTemplate and rendered for a fixed conversation (system, user,
// assistant, user; the generation prompt; the model's special tokens; a fixed date and clock), and both must return
// or throw llms::Error — a template is a small program, so loops, recursion, output size and nesting must stay
// within the interpreter's limits, never crash, hang (over 10 s) or use gigabytes. Torch-free.
#include "core/chat/chat_template.h"
#include "core/common/error.h"
#include "fuzz/fuzz_common.h"

#include <ctime>
#include <map>
#include <string>
#include <vector>

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    static const std::vector<chat::ChatMessage> messages = {
        {"system", "You are a helpful assistant."},
        {"user", "What is the capital of France?"},
        {"assistant", "Paris."},
        {"user", "And of Italy?"},
    };
    static const std::map<std::string, std::string> special = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    chat::ChatOptions options;
    options.date_string = "26 Jul 2024";
    std::tm now{};
    now.tm_year = 124;
    now.tm_mon = 6;
    now.tm_mday = 26;
    options.now = now;
    try {
        const chat::ChatTemplate tmpl(text, "fuzz chat template");
        fuzz::accepted();
        (void)tmpl.render(messages, true, special, options);
        (void)tmpl.render(messages, false, special, options);
    } catch (const Error& e) {
        fuzz::refused(e);
    }
    return 0;
}

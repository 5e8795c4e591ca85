// Fuzzes config.json: the input goes to LlamaConfig::from_json_text (JSON, architecture, every size and id field),
// which must return or throw llms::Error. An accepted config then goes where a loader sends it:
// checked_num_parameters (overflow-checked; llms::Error past 2^63) and, for up to 256 layers, llama_tensor_layout,
// whose shapes must add up to that count. Torch-free.
#include "core/common/error.h"
#include "core/model/llama_config.h"
#include "core/model/llama_layout.h"
#include "fuzz/fuzz_common.h"

#include <string>

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const LlamaConfig c = LlamaConfig::from_json_text(text, "config.json");
        fuzz::accepted();
        fuzz::check(c.to_json_text() == text, "to_json_text() does not give back the file as read");
        fuzz::check(c.hidden_size > 0 && c.intermediate_size > 0 && c.num_hidden_layers > 0 &&
                        c.num_attention_heads > 0 && c.num_key_value_heads > 0 && c.vocab_size > 0 && c.head_dim > 0,
                    "accepted a size that is not positive");
        const int64_t params = checked_num_parameters(c, "config.json");
        if (c.num_hidden_layers <= 256) {
            int64_t sum = 0;
            for (const TensorShape& t : llama_tensor_layout(c)) {
                int64_t n = 1;
                for (const int64_t d : t.shape) {
                    fuzz::check(d > 0, "the layout has a dimension that is not positive");
                    fuzz::check(!__builtin_mul_overflow(n, d, &n), "a layout tensor overflows");
                }
                fuzz::check(!__builtin_add_overflow(sum, n, &sum), "the layout overflows");
            }
            fuzz::check(sum == params, "the layout does not add up to checked_num_parameters()");
        }
    } catch (const Error& e) {
        fuzz::refused(e);
    }
    return 0;
}

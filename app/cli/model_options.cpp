#include "app/cli/model_options.h"

#include <ATen/Parallel.h>

namespace llms::cli {

LoadedModel load_for_cli(const Args& a, const std::filesystem::path& dir, bool need_tokenizer,
                         const std::string& default_dtype) {
    if (a.has("threads")) {
        const int n = a.get_int("threads", 0);
        if (n < 1) throw Error("--threads must be at least 1");
        if (n > 1024) throw Error("--threads " + std::to_string(n) + " is more than any machine has; give at most the core count");
        at::set_num_threads(n);
    }
    LoadOptions opt;
    opt.device = a.get("device", "cpu");
    opt.dtype = a.get("dtype", default_dtype);
    auto m = load_model(dir, opt);
    if (need_tokenizer) (void)m.tok();   // throws the reason there is none
    return m;
}

}  // namespace llms::cli

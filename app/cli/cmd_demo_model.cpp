// llm-surgery-cli demo-model [--rebuild] [--threads N]: prints the demo model's folder, building it first when
// it is missing, incomplete or damaged.
#include "app/cli/command.h"
#include "app/cli/interrupt.h"
#include "app/cli/pretrain_progress.h"
#include "app/cli/training_process.h"
#include "core/common/error.h"
#include "core/pretrain/demo_model.h"

#include <cstdio>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"rebuild"});
    a.check_known({"rebuild", "threads", "data", "dir"});
    if (!a.positional().empty()) throw Error("unexpected argument \"" + a.positional()[0] + "\" (see --help)");
    pretrain::DemoModelOptions o;
    o.rebuild = a.flag("rebuild");
    o.threads = a.get_int("threads", 0);
    if (o.threads < 0) throw Error("--threads must be at least 1");
    if (a.has("data")) o.world_data = a.get("data");
    if (a.has("dir")) o.dir = a.get("dir");
    const auto dir = o.dir.empty() ? pretrain::demo_model_dir() : o.dir;

    std::string why;
    if (o.rebuild || !pretrain::model_folder_ready(dir, &why)) {
        prepare_training_process("demo-model", argv);   // may re-exec: nothing printed before this
        if (!o.rebuild)
            std::fprintf(stderr, "building the demo model in %s (once: up to 10 minutes on 2 cores)%s%s\n",
                         dir.string().c_str(), why.empty() ? "" : "\n  reason: ", why.c_str());
        PretrainProgressBar bar;
        const auto b = pretrain::build_demo_model(o, std::ref(bar), &install_interrupt_flag());
        bar.finish();
        if (b.stopped) {
            std::fprintf(stderr, "stopped: no demo model was written (run demo-model again to build it)\n");
            return 130;
        }
        if (b.built) {
            std::fflush(stdout);
            print_pretrain_summary(b.pretrain);
        }
    }
    std::printf("%s\n", dir.string().c_str());
    return 0;
}

CommandRegistrar reg({"demo-model", "print the demo model's folder, building it on first use",
                      "usage: llm-surgery-cli demo-model [--rebuild] [--threads N] [--data DIR] [--dir DIR]\n\n"
                      "The demo model is a small Llama pretrained on the shipped world corpus (countries, US states,\n"
                      "elements, people + Factbook and WordNet prose). It lives in $XDG_DATA_HOME/llm-surgery/demo-model\n"
                      "(~/.local/share/...). Missing, incomplete or damaged, it is (re)built first (up to 10 minutes on\n"
                      "2 cores, 0.7 GB of memory); the last line printed is always its folder.\n"
                      "  --rebuild      build it again even if it is ready (replaces it only once the new one is complete)\n"
                      "  --threads N    CPU threads (default: physical cores)\n"
                      "  --data DIR     world data folder (default: the shipped one, ../share/llm-surgery/world\n"
                      "                 beside the program)\n"
                      "  --dir DIR      another folder instead of the user data folder\n",
                      run});

}  // namespace
}  // namespace llms::cli

// llm-surgery-cli pretrain --corpus PATH --out MODEL_DIR [--preset demo|tiny] [--steps N] [--seed S] [--threads N]
#include "app/cli/command.h"
#include "app/cli/data_parallel.h"
#include "app/cli/interrupt.h"
#include "app/cli/pretrain_progress.h"
#include "app/cli/training_process.h"
#include "core/common/error.h"
#include "core/pretrain/pretrain.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json", "overwrite"});
    a.check_known({"corpus", "out", "preset", "steps", "seed", "threads", "json", "overwrite", "nproc"});
    if (!a.positional().empty()) throw Error("unexpected argument \"" + a.positional()[0] + "\" (see --help)");
    pretrain::Options o;
    o.corpus = a.require("corpus");
    o.out = a.require("out");
    o.preset = a.get("preset", "demo");
    (void)pretrain::preset(o.preset);   // an unknown name fails before any work
    o.steps = a.get_int("steps", 0);
    if (o.steps < 0) throw Error("--steps must be positive");
    o.seed = a.get_u64("seed", o.seed);
    o.threads = a.get_int("threads", 0);
    if (o.threads < 0) throw Error("--threads must be at least 1");
    o.overwrite = a.flag("overwrite");
    // Data parallel (core/distributed/): --nproc N starts N ranks of this command; under torchrun this is one rank.
    const auto launch = dist::launch_env();
    if (auto status = run_ranks_if_asked(a, launch, "pretrain", argv)) return *status;

    prepare_training_process("pretrain", argv);
    o.stop = &install_interrupt_flag();
    dist::Group group(launch, dist::collective_timeout());
    o.group = &group;
    if (!group.is_root()) {   // trains its share; rank 0 prints, evaluates and writes
        const pretrain::Result r = pretrain::run(o);
        return r.stopped ? 130 : 0;
    }
    PretrainProgressBar bar;
    const pretrain::Result r = pretrain::run(o, std::ref(bar));
    bar.finish();
    if (r.stopped) {
        std::fprintf(stderr, "stopped: nothing written at %s\n", r.out.string().c_str());
        return 130;
    }
    if (a.flag("json")) {
        nlohmann::json j = {{"out", r.out.string()},         {"preset", r.preset},
                            {"seed", r.seed},                {"threads", r.threads},
                            {"steps", r.steps},              {"parameters", r.parameters},
                            {"corpus_tokens", r.corpus_tokens}, {"tokens_seen", r.tokens_seen},
                            {"seconds", r.seconds},          {"train_seconds", r.train_seconds},
                            {"tokens_per_s", r.tokens_per_s}, {"final_loss", r.final_loss},
                            {"precision", r.precision},
                            {"heldout_perplexity", r.heldout_ppl > 0 ? nlohmann::json(r.heldout_ppl) : nlohmann::json()},
                            {"facts", r.facts},              {"facts_known", r.facts_known},
                            {"fact_recall", r.facts ? nlohmann::json(r.fact_recall()) : nlohmann::json()}};
        std::cout << j.dump(2) << "\n";
    } else {
        print_pretrain_summary(r);
    }
    return 0;
}

CommandRegistrar reg({"pretrain", "train a small Llama from scratch on a corpus (tokenizer included)",
                      "usage: llm-surgery-cli pretrain --corpus PATH --out MODEL_DIR [--preset demo|tiny] [--steps N]\n"
                      "                                [--seed S] [--threads N] [--overwrite] [--json]\n\n"
                      "Trains a SentencePiece tokenizer and a Llama from scratch (AdamW, warm-up + cosine, gradient\n"
                      "clipping; fp32 weights, forward in bf16 autocast on CPUs with native bf16) and writes an HF\n"
                      "folder: config.json, model.safetensors, tokenizer.model, heldout.txt, known_facts.jsonl (the\n"
                      "corpus facts the model completes correctly) and pretrain.json.\n"
                      "The same seed and thread count give the same model. Ctrl-C stops without writing anything.\n"
                      "  --corpus PATH  a folder made by `llm-surgery-cli corpus`, or a train.txt\n"
                      "  --out DIR      the model folder to create (must not exist, see --overwrite)\n"
                      "  --preset NAME  demo (the desktop demo model; default) or tiny (tests)\n"
                      "  --steps N      optimisation steps (default: the preset's)\n"
                      "  --seed S       initialisation and data order (default 1234)\n"
                      "  --threads N    CPU threads (default: physical cores; with several ranks OMP_NUM_THREADS)\n"
                      "  --overwrite    replace an existing folder at --out that llm-surgery wrote, once the new one is complete\n"
                      "  --json         print the result as JSON instead of the summary\n"
                      "  --nproc N      data parallel on this machine: N ranks share each step's windows and sum\n"
                      "                 their gradients (c10d, Gloo); the same losses as one process with the same\n"
                      "                 --threads. Under torchrun each process is one rank (README \"Data parallel\")\n",
                      run});

}  // namespace
}  // namespace llms::cli

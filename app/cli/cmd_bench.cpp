// llm-surgery-cli bench surgery|generate|paper|memory [...]: the benchmark commands (docs/benchmarks.md).
#include "app/cli/command.h"
#include "app/cli/progress_line.h"
#include "app/cli/training_process.h"
#include "core/bench/generate_bench.h"
#include "core/bench/paper_bench.h"
#include "core/bench/surgery_bench.h"
#include "core/common/dtype.h"
#include "core/common/error.h"
#include "core/common/memory_available.h"
#include "core/model/lora_config.h"
#include "core/surgery/memory_plan.h"
#include "core/pretrain/pretrain.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace llms::cli {
namespace {

const std::set<std::string> kShapeOptions = {"dim", "ffn", "layers", "heads", "kv-heads", "vocab"};

bench::ModelShape read_shape(const Args& a) {
    bench::ModelShape s = bench::demo_shape();
    s.dim = a.get_int("dim", (int)s.dim);
    s.ffn = a.has("ffn") ? a.get_int("ffn", 0) : a.has("dim") ? 0 : s.ffn;   // a new --dim: the Llama rule
    s.layers = a.get_int("layers", (int)s.layers);
    s.heads = a.get_int("heads", (int)s.heads);
    s.kv_heads = a.get_int("kv-heads", (int)s.kv_heads);
    s.vocab = a.get_int("vocab", (int)s.vocab);
    return s;
}

int threads_option(const Args& a) {
    const int n = a.get_int("threads", 0);
    if (n < 0) throw Error("--threads must be at least 1 (or 0 for the physical cores)");
    return n;
}

bool on_off(const Args& a, const std::string& key, bool fallback) {
    const std::string v = a.get(key, fallback ? "on" : "off");
    if (v != "on" && v != "off") throw Error("--" + key + " expects on or off, got \"" + v + "\"");
    return v == "on";
}

// Large blocks kept on the heap instead of an mmap/munmap per activation (see pretrain::tune_malloc_for_training).
void malloc_tuning(const Args& a) {
    if (on_off(a, "malloc-tuning", true)) pretrain::tune_malloc_for_training();
}

int run_surgery(const Args& a, const std::vector<std::string>& argv) {
    auto known = kShapeOptions;
    known.insert({"seq", "batch", "steps", "warmup", "threads", "precision", "topk", "seed", "dump", "malloc-tuning", "json",
                  "device", "train", "checkpoint-layers", "lora", "lora-targets"});
    a.check_known(known);
    if (a.positional().size() != 1) throw Error("bench surgery takes no positional argument (see --help)");
    bench::SurgeryBenchOptions o;
    o.shape = read_shape(a);
    o.seq = a.get_int("seq", (int)o.seq);
    o.batch = a.get_int("batch", (int)o.batch);
    o.steps = a.get_int("steps", o.steps);
    o.warmup = a.get_int("warmup", o.warmup);
    o.threads = threads_option(a);
    o.precision = a.get("precision", o.precision);
    o.topk = a.get_int("topk", (int)o.topk);
    o.seed = a.get_u64("seed", o.seed);
    o.dump = a.get("dump", "");
    o.device = a.get("device", o.device);
    o.train = a.get("train", o.train);
    o.checkpoint_layers = a.flag("checkpoint-layers");
    if (a.has("lora") && a.has("train")) throw Error("--lora trains adapters on every layer instead of --train's weights: give one");
    o.lora = a.get("lora", "");
    o.lora_targets = a.get("lora-targets", o.lora_targets);
    apply_thread_wait_policy("bench", argv);   // as the surgery command (re-exec)
    malloc_tuning(a);
    const bool json = a.flag("json");

    const auto r = bench::run_surgery_bench(o, [&](int step, int steps, double ms) {
        if (!json) std::fprintf(stderr, "\rstep %d/%d  %.1f ms   ", step, steps, ms);
    });
    if (json) {
        std::cout << bench::surgery_bench_json(r) << "\n";
        return 0;
    }
    const auto& s = r.options.shape;
    std::fprintf(stderr, "\n");
    std::printf("surgery step  dim %lld ffn %lld layers %lld heads %lld/%lld vocab %lld | 3 x %lld rows x %lld tokens | %s, "
                "%s, %d threads (%s)%s\n",
                (long long)s.dim, (long long)s.ffn, (long long)s.layers, (long long)s.heads, (long long)s.kv_heads,
                (long long)s.vocab, (long long)r.options.batch, (long long)r.options.seq, r.options.precision.c_str(),
                r.options.device.c_str(), r.options.threads, r.thread_wait.c_str(),
                r.options.checkpoint_layers ? ", checkpointed layers" : "");
    std::printf("  params        %.2f M (%.2f M in matmuls); trained: %.2f M (%s)\n", r.params / 1e6, r.matmul_params / 1e6,
                r.trainable_params / 1e6, r.options.train.c_str());
    std::printf("  step          %.1f ms (median of %d)  = forward %.1f + backward %.1f + optimizer %.1f;"
                " CPU time %.1f ms\n",
                r.step_ms, r.options.steps, r.forward_ms, r.backward_ms, r.optimizer_ms, r.step_cpu_ms);
    std::printf("  throughput    %.0f tokens/s (%lld tokens per step)\n", r.tokens_per_s, (long long)r.tokens_per_step);
    std::printf("  MFU           %.1f%%  (%.1f model GFLOP/s of a measured %.1f GFLOP/s GEMM peak)\n", 100 * r.mfu,
                r.model_gflops, r.gemm_gflops);
    std::printf("  peak RSS      %.0f MB;  theta0 cache %.1f ms (once)\n", r.peak_rss_mb, r.cache_ms);
    if (r.peak_device_mb >= 0) std::printf("  peak GPU mem  %.0f MB (allocated by the caching allocator)\n", r.peak_device_mb);
    if (!r.losses.empty())
        std::printf("  step 1 terms  forget NLL %.5f  update NLL %.5f  retain KL %.3g\n", r.losses[0].forget_nll,
                    r.losses[0].update_nll, r.losses[0].retain_kl);
    if (!o.dump.empty()) std::printf("  wrote the initial weights and batches to %s\n", o.dump.string().c_str());
    return 0;
}

int run_generate(const Args& a, const std::vector<std::string>& argv) {
    auto known = kShapeOptions;
    known.insert({"random", "new-tokens", "prompt-tokens", "runs", "threads", "seed", "inference-mode", "malloc-tuning",
                  "json", "dtype"});
    a.check_known(known);
    bench::GenerateBenchOptions o;
    const bool random = a.flag("random");
    if (random == (a.positional().size() == 2))
        throw Error("bench generate needs either a MODEL_DIR or --random (see --help)");
    if (a.positional().size() > 2) throw Error("bench generate takes one MODEL_DIR (see --help)");
    if (!random) o.model_dir = a.positional()[1];
    o.shape = read_shape(a);
    o.new_tokens = a.get_int("new-tokens", o.new_tokens);
    o.prompt_tokens = a.get_int("prompt-tokens", o.prompt_tokens);
    o.runs = a.get_int("runs", o.runs);
    o.threads = threads_option(a);
    o.seed = a.get_u64("seed", o.seed);
    o.inference_mode = on_off(a, "inference-mode", false);
    o.dtype = a.get("dtype", o.dtype);
    apply_thread_wait_policy("bench", argv);   // as the desktop app's probes (re-exec)
    malloc_tuning(a);
    const auto r = bench::run_generate_bench(o);
    if (a.flag("json")) {
        std::cout << bench::generate_bench_json(r) << "\n";
        return 0;
    }
    std::printf("probe  %s (%.2f M params, %s) | %d prompt + %d new tokens, greedy, KV cache | %d threads (%s)\n",
                r.model.c_str(), r.params / 1e6, r.dtype.c_str(), o.prompt_tokens, o.new_tokens, r.options.threads,
                r.thread_wait.c_str());
    std::printf("  open          %.1f s; peak RSS %.0f MB (loading included)\n", r.load_s, r.peak_rss_mb);
    std::printf("  latency       %.1f ms (median of %d; min %.1f, max %.1f); first token %.1f ms; CPU time %.1f ms\n",
                r.median_ms, o.runs, r.min_ms, r.max_ms, r.first_token_ms, r.cpu_ms);
    std::printf("  throughput    %.0f tokens/s\n", r.tokens_per_s);
    return 0;
}

int run_paper(const Args& a, const std::vector<std::string>& argv) {
    a.check_known({"out", "seed", "threads", "quick", "world-data", "reuse", "steps", "batch", "lr", "w-forget", "w-update",
                   "w-retain", "json", "pool-rows", "forget-bound", "precision", "train"});
    if (a.positional().size() != 1) throw Error("bench paper takes no positional argument (see --help)");
    bench::PaperBenchOptions o;
    o.out = a.get("out", "");
    o.world_data = a.get("world-data", "");
    o.seed = a.get_u64("seed", o.seed);
    o.threads = threads_option(a);
    o.quick = a.flag("quick");
    o.reuse = a.get("reuse", "");
    o.surgery_steps = a.get_int("steps", 0);
    o.surgery_batch = a.get_int("batch", 0);
    o.lr = a.get_double("lr", 0);
    o.w_forget = a.get_double("w-forget", -1);
    o.w_update = a.get_double("w-update", -1);
    o.w_retain = a.get_double("w-retain", -1);
    o.pool_rows = a.get_int("pool-rows", 0);
    o.forget_bound = a.get_double("forget-bound", 0);
    o.precision = a.get("precision", o.precision);
    o.train = a.get("train", "");
    prepare_training_process("bench", argv);   // thread wait policy (re-exec) + malloc tunables, as pretrain

    ProgressLine line;
    std::string phase;
    const auto r = bench::run_paper_bench(o, [&](const bench::PaperProgress& p) {
        if (p.phase != phase || p.steps == 0) {   // one line per phase
            if (!phase.empty()) line.finish();
            phase = p.phase;
            std::fprintf(stderr, "[%s] %s\n", p.phase.c_str(), p.message.c_str());
            return;
        }
        char text[160];
        std::snprintf(text, sizeof text, "  step %d/%d  loss %.4f", p.step, p.steps, p.loss);
        line.update(text, p.step == 1 || p.step == p.steps);
    });
    line.finish();
    if (a.flag("json")) {
        std::cout << bench::paper_bench_json(r) << "\n";
        return 0;
    }
    std::printf("bench paper (%s scale, seed %llu, %d threads, %s)\n\n%s", r.scale.c_str(),
                (unsigned long long)r.options.seed, r.threads, r.thread_wait.c_str(), bench::paper_bench_markdown(r).c_str());
    if (!o.out.empty()) std::printf("\nwrote the models and paper_table.md / paper_table.json to %s\n", o.out.string().c_str());
    return 0;
}

// The surgery's memory plan for any config.json: the table of docs/benchmarks.md ("Memory").
int run_memory(const Args& a) {
    a.check_known({"train", "dtype", "positions", "cached-positions", "packed-length", "checkpoint-layers", "device", "json",
                   "lora", "lora-targets"});
    if (a.positional().size() != 2) throw Error("bench memory expects one MODEL_DIR or config.json (see --help)");
    std::filesystem::path config = a.positional()[1];
    if (std::filesystem::is_directory(config)) config /= "config.json";
    const LlamaConfig c = LlamaConfig::load(config);
    const auto* dtype = dtype_by_name(a.get("dtype", "float32"));
    if (!dtype) throw Error("--dtype: unknown dtype \"" + a.get("dtype") + "\" (" + kDtypeNames + ")");
    surgery::MemoryPlanInput in;
    in.weight_bytes = dtype->bytes;
    in.checkpoint_layers = a.flag("checkpoint-layers");
    in.step_positions = a.get_int("positions", 1280);
    in.cached_positions = a.get_int("cached-positions", 30000);
    in.packed_length = a.get_int("packed-length", 64);
    in.on_gpu = a.get("device", "cpu") != "cpu";
    in.vocab_chunk_bytes = in.on_gpu ? 1ll << 30 : 16ll << 20;
    if (a.has("lora") && a.has("train")) throw Error("--lora trains adapters on every layer instead of --train's weights: give one");
    if (a.has("lora")) in.lora_parameters = lora_parameter_count(c, parse_lora(a.get("lora"), a.get("lora-targets", "all")));
    const auto p = surgery::plan_surgery_memory(c, surgery::parse_trainable_spec(a.get("train", "all")), in);
    if (a.flag("json")) {
        std::cout << nlohmann::json{{"config", config.string()}, {"train", a.get("train", "all")}, {"lora", a.get("lora", "")},
                                    {"dtype", std::string(dtype->name)}, {"step_positions", in.step_positions},
                                    {"cached_positions", in.cached_positions}, {"trained_params", p.trained_params},
                                    {"weights", p.weights}, {"gradients", p.gradients}, {"optimizer", p.optimizer},
                                    {"activations", p.activations}, {"vocabulary", p.vocabulary}, {"snapshot", p.snapshot},
                                    {"reference_cache", p.reference_cache},
                                    {"device_total", p.weights + p.device_bytes()}, {"host_only", p.host_only()}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    const std::string trained = a.has("lora") ? "LoRA " + a.get("lora") + " on " + a.get("lora-targets", "all") + " (" +
                                                    std::to_string(p.trained_params) + " weights)"
                                              : "--train " + a.get("train", "all");
    std::printf("%s, %s, %s weights, %lld positions per step, %lld cached\n", config.string().c_str(), trained.c_str(),
                std::string(dtype->name).c_str(), (long long)in.step_positions, (long long)in.cached_positions);
    const std::pair<const char*, int64_t> rows[] = {
        {"weights", p.weights}, {"gradients", p.gradients}, {"AdamW moments", p.optimizer}, {"activations", p.activations},
        {"vocabulary (log-softmax)", p.vocabulary}, {"snapshot (host)", p.snapshot}, {"θ0 cache (host)", p.reference_cache}};
    for (const auto& [name, bytes] : rows) std::printf("  %-26s %10s\n", name, format_bytes(bytes).c_str());
    std::printf("  %-26s %10s%s\n", "total", format_bytes(p.weights + p.device_bytes()).c_str(),
                in.on_gpu ? (" on the GPU, + " + format_bytes(p.host_only()) + " host").c_str() : "");
    return 0;
}

int run(const std::vector<std::string>& argv) {
    Args a(argv, {"json", "random", "quick", "checkpoint-layers"});
    const std::string which = a.positional().empty() ? "" : a.positional()[0];
    if (which == "surgery") return run_surgery(a, argv);
    if (which == "generate") return run_generate(a, argv);
    if (which == "paper") return run_paper(a, argv);
    if (which == "memory") return run_memory(a);
    throw Error(which.empty() ? "bench needs a benchmark name: surgery, generate, paper or memory (see --help)"
                              : "unknown benchmark \"" + which + "\": use surgery, generate, paper or memory (see --help)");
}

CommandRegistrar reg({"bench", "benchmarks: surgery step throughput, probe latency, the paper's experiment",
                      "usage: llm-surgery-cli bench surgery [--dim D --ffn F --layers L --heads H --kv-heads K --vocab V]\n"
                      "                                     [--seq T --batch B] [--steps N] [--warmup N] [--threads N]\n"
                      "                                     [--precision fp32|bf16] [--topk K] [--seed S] [--dump DIR] [--json]\n"
                      "                                     [--device cpu|cuda[:N]] [--train P] [--lora R[:A]]\n"
                      "                                     [--checkpoint-layers]\n"
                      "       llm-surgery-cli bench generate MODEL_DIR|--random [--new-tokens N] [--prompt-tokens N]\n"
                      "                                     [--runs N] [--threads N] [--inference-mode on|off]\n"
                      "                                     [--dtype auto|float32|bfloat16]\n"
                      "                                     [shape options with --random] [--json]\n"
                      "       llm-surgery-cli bench paper [--out DIR] [--seed S] [--threads N] [--quick] [--world-data DIR]\n"
                      "                                     [--json]\n"
                      "       llm-surgery-cli bench memory MODEL_DIR|config.json [--train P] [--dtype float32|bfloat16]\n"
                      "                                     [--positions N] [--cached-positions N] [--checkpoint-layers]\n"
                      "                                     [--device cpu|cuda] [--lora R[:A] [--lora-targets L]] [--json]\n\n"
                      "bench surgery: one LLM Surgery step on a randomly initialised Llama, as core/surgery runs it: one\n"
                      "fused forward over B forget + B update + B retain rows of T random tokens, the vocabulary\n"
                      "projection in row chunks, the masked NLL terms and the KL to theta0 from its cached top-K log-probs\n"
                      "(computed once, before timing), fused AdamW (lr 2e-4, betas 0.9/0.95, wd 0.01) with clip 1.0,\n"
                      "weights 0.1/2.0/0.5. Prints the median step time split into\n"
                      "forward / backward / optimizer, tokens/s (all 3B x T tokens), peak RSS and the MFU: 6 x matmul\n"
                      "parameters x tokens/s against a measured at::matmul peak in the same dtype.\n"
                      "  --dim ... --vocab   model shape (default: the demo model's: 256, 688, 6, 8, 4, 2048; a --dim\n"
                      "                      without --ffn uses 8/3 x dim rounded up to 16)\n"
                      "  --seq T, --batch B  positions per row (64) and rows per term (16)\n"
                      "  --steps N           timed steps (10), after --warmup untimed ones (2)\n"
                      "  --threads N         CPU threads (default: physical cores)\n"
                      "  --precision P       fp32 (default) or bf16: autocast, fp32 master weights and optimizer\n"
                      "  --device D          cpu (default), cuda or cuda:N (a CUDA LibTorch build); prints peak GPU memory\n"
                      "  --train P           trained weights: all (default), or a comma-separated list of mlp, layers:A-B,\n"
                      "                      embed_tokens, norm, lm_head (the rest frozen)\n"
                      "  --checkpoint-layers recompute each decoder layer in the backward (activation memory)\n"
                      "  --lora R[:A]        train LoRA adapters of rank R on frozen weights instead (--lora-targets L:\n"
                      "                      all, or a list of q, k, v, o, gate, up, down)\n"
                      "  --topk K            theta0 entries cached per position (64; the vocab size gives the exact KL)\n"
                      "  --dump DIR          write the initial weights, batches and recipe for bench/peer/official_step.py\n"
                      "  --malloc-tuning on|off  glibc malloc tunables for training (default on)\n"
                      "  --json              print the result as JSON\n\n"
                      "bench generate: latency of the app's probe: greedy generation with the KV cache of --new-tokens\n"
                      "(32) after a random --prompt-tokens (16) prompt; median of --runs (10) after one warm-up.\n"
                      "MODEL_DIR is an HF folder; --random uses a random model of the shape options (the demo shape).\n"
                      "  --inference-mode on|off  generate under c10::InferenceMode (default off: as the app does)\n"
                      "  --dtype D           the weights' dtype (default auto: float32 on the CPU)\n\n"
                      "bench paper: the LLM Surgery paper's protocol on the demo world. Subjects are split into A, B, C;\n"
                      "D_unlearn = true sentences about A, D_edit = true sentences about B, D_update = fictitious sentences\n"
                      "about B (attributes swapped among B's subjects), D_retain = sentences about C. theta_pre is pretrained\n"
                      "on D_unlearn + D_edit + D_retain, theta_baseline from scratch on D_update + D_retain (same recipe and\n"
                      "tokenizer: the retrain surgery avoids), theta_surgery = LLM Surgery on theta_pre (paper preset; ascent\n"
                      "on D_unlearn and D_edit, descent on D_update, KL to theta_pre on D_retain). Prints the table: 3-option\n"
                      "MCQA accuracy and perplexity on unlearn, update (the fictitious answer counts as correct) and retain\n"
                      "for the three models, the compute of surgery vs baseline and whether each target is met.\n"
                      "Deterministic per seed and thread count (all but the seconds). About 3-5 minutes on 2 cores.\n"
                      "  --out DIR           keep the corpora, the three models and paper_table.md / .json in DIR (new)\n"
                      "  --seed S            world sample, swaps, options, both pretrainings and the surgery (1234)\n"
                      "  --threads N         CPU threads (default: all cores)\n"
                      "  --quick             a tiny world and model (~30 subjects; tests, well under a minute)\n"
                      "  --world-data DIR    the world data (default: the shipped resources/world)\n"
                      "  --reuse DIR         take theta_pre and theta_baseline from an earlier run's --out DIR (same --seed\n"
                      "                      and scale) and redo the surgery and the table only\n"
                      "  --steps N --batch B --lr X --w-forget X --w-update X --w-retain X\n"
                      "                      override the surgery recipe (steps, rows per term, learning rate, weights)\n"
                      "  --pool-rows N       retain sentences per step in the KL term\n"
                      "  --forget-bound X    a sentence leaves the ascent once its NLL reaches X nats (and its tokens left\n"
                      "                      the top prediction)\n"
                      "  --precision P       surgery precision: auto (the pretraining's), fp32 or bf16\n"
                      "  --train P           the surgery's trained weights (as bench surgery's --train)\n"
                      "  --json              print the result as JSON\n\n"
                      "bench memory: what a surgery allocates beyond the weights, from config.json alone (no weights\n"
                      "read): gradients and AdamW moments of the trained weights, one step's activations and\n"
                      "log-softmax, the snapshot and the θ0 cache; the estimate the surgery checks before it starts.\n"
                      "  --positions N       positions one step trains (1280: 64 rows of 20 tokens)\n"
                      "  --cached-positions N  retain positions in the θ0 cache (30000)\n"
                      "  --dtype D           the weights' dtype (float32)\n"
                      "  --device cpu|cuda   on a GPU the snapshot and the θ0 cache stay in host memory\n"
                      "  --lora R[:A]        LoRA adapters trained instead of --train's weights (--lora-targets L)\n",
                      run});

}  // namespace
}  // namespace llms::cli

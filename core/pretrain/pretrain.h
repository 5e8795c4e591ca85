// Pretraining a small Llama from scratch on a text corpus (the demo world made by `corpus`): a
// SentencePiece tokenizer trained through the plugin, lines packed into one token stream, windows sampled
// with a seeded RNG, AdamW with warm-up + cosine decay and gradient clipping, fp32 weights (forward
// under bf16 autocast where the CPU has native bf16). The result is an HF
// folder (config.json, model.safetensors (F32), tokenizer.model, heldout.txt when the corpus has it) plus
//   known_facts.jsonl  the corpus facts the trained model completes correctly (greedy exact match): the
//                      facts it was shown to know (the surgery engine's default collateral / retain pool)
//   pretrain.json      preset, seed, steps, seconds, tokens, final loss, held-out perplexity, fact recall,
//                      and the corpus manifest
// Deterministic for a given seed and thread count. Torch-free header (the UI's first-run helper uses it).
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace llms::dist {
class Group;
}

namespace llms::pretrain {

// Model shape and training recipe. Presets are measured on a 2-core CPU (docs/benchmarks.md).
struct Preset {
    std::string name;
    // model
    int vocab_size = 2048;
    int64_t hidden_size = 256;
    int64_t intermediate_size = 688;
    int64_t num_layers = 6;
    int64_t num_heads = 8;
    int64_t num_kv_heads = 4;
    bool tie_embeddings = false;
    // data: batch_size windows of context tokens per step
    int64_t context = 128;
    int64_t batch_size = 32;
    // optimiser and schedule
    int steps = 1000;
    int warmup_steps = 50;
    double lr = 1e-3;
    double min_lr_ratio = 0.1;     // cosine decays to lr * min_lr_ratio
    double weight_decay = 0.1;
    double beta1 = 0.9, beta2 = 0.95;
    double grad_clip = 1.0;
    // Forward pass under bf16 autocast (fp32 master weights, optimiser and loss) when the CPU has native
    // bf16 (avx512_bf16 / amx_bf16): 2.2x faster measured; elsewhere fp32 (emulated bf16 would be slower).
    bool bf16_autocast = false;
};

// "demo" (the desktop demo model, ~1,700 facts, ≤ 10 min on 2 cores) or "tiny" (tests, ~50 facts, < 1 min).
// llms::Error for other names.
Preset preset(const std::string& name);

struct Options {
    std::filesystem::path corpus;    // a folder made by `corpus` (train.txt, heldout.txt, facts.jsonl,
                                     // corpus.json) or a train.txt (its siblings are used when present)
    std::string corpus_label;        // pretrain.json's "corpus" (default: the corpus path)
    std::filesystem::path out;       // the HF folder to write; must not exist (or be empty) unless overwrite
    std::string preset = "demo";
    const Preset* custom = nullptr;  // used instead of the named preset when set (benchmarks, experiments)
    std::filesystem::path tokenizer; // an existing tokenizer.model to use instead of training one on the corpus
                                     // (two models compared on one vocabulary, e.g. `bench paper`); empty: train
    int steps = 0;                   // 0: the preset's
    uint64_t seed = 1234;
    int threads = 0;                 // 0: physical cores
    bool overwrite = false;          // replace an existing folder at out (only once the new one is complete)
    const std::atomic<bool>* stop = nullptr;   // set to stop: the run ends, writing nothing at out
    // Data parallel (core/distributed/process_group.h): every rank runs the same options; each trains on its share
    // of every step's windows, the gradients are summed, and rank 0 alone evaluates and writes `out` (the others
    // return after the last step). Every rank trains the tokenizer itself: the ranks need the same thread count
    // (checked). nullptr: one process. The pause is not shared; a stop on any rank stops all at the next step.
    dist::Group* group = nullptr;
};

struct Progress {
    enum class Phase { Corpus, Tokenizer, Tokenize, Train, Evaluate, Write };   // Corpus: build_demo_model only
    Phase phase = Phase::Tokenizer;
    std::string message;             // what is going on, one line
    int step = 0, steps = 0;         // training steps done / planned
    double loss = 0;                 // smoothed training loss (nats/token)
    double lr = 0;
    double tokens_per_s = 0;
    double elapsed_s = 0;            // since the start of the run
    double eta_s = -1;               // remaining, whole run; -1 unknown
    double fraction = 0;             // whole run, 0..1
};
const char* phase_name(Progress::Phase p);

struct Result {
    bool stopped = false;            // the stop flag ended it: nothing written at out
    std::filesystem::path out;
    std::string preset;
    uint64_t seed = 0;
    int threads = 0;
    int steps = 0;                   // steps done
    int64_t parameters = 0;
    int64_t corpus_tokens = 0;       // tokens in the packed training stream
    int64_t tokens_seen = 0;         // tokens trained on (steps * batch * context)
    double seconds = 0;              // whole run
    double train_seconds = 0;        // optimisation steps only
    double tokens_per_s = 0;         // training throughput
    std::string precision;           // "bf16-autocast" or "fp32"
    double final_loss = 0;           // mean training loss over the last steps (nats/token)
    double heldout_ppl = -1;         // perplexity on heldout.txt; -1 when the corpus has none
    int facts = 0;                   // facts in facts.jsonl (0 when the corpus has none)
    int facts_known = 0;             // of which greedy exact match
    double fact_recall() const { return facts ? double(facts_known) / facts : 0.0; }
};

// Runs the whole pipeline. on_progress is called on the calling thread at every phase change and after
// every training step (consumers rate-limit their redraws). llms::Error for unusable inputs (missing
// corpus, out already exists, unknown preset) and write failures; a crash or stop leaves nothing at out that
// looks complete (the folder is assembled beside it and renamed into place).
Result run(const Options& options, const std::function<void(const Progress&)>& on_progress = {});

// Applies glibc malloc tunables that make LibTorch's many large temporary buffers cheap on CPU
// (no mmap/munmap per step): +30% training throughput measured. Process-wide: for a program's main path.
void tune_malloc_for_training();

}  // namespace llms::pretrain

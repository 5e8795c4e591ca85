// Plain values the session hands to the UI: model card, probe results, fact verdicts, run records.
// Torch-free and Qt-free; copied across threads by value.
#pragma once
#include "core/eval/report.h"
#include "core/facts/fact_set.h"
#include "core/surgery/surgery_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llms::session {

struct OpenOptions {
    std::string device = "cpu";    // "cpu", "cuda", "cuda:1"
    std::string dtype = "auto";    // "auto", "float32", "bfloat16", "float16"
};

// What the Model panel shows.
struct ModelCard {
    std::string dir;
    std::string name;               // folder name
    std::string architecture;       // "LlamaForCausalLM"
    std::string positions;          // "RoPE θ 500000, llama3 scaling ×32 (original context 8192)"
    std::string family_features;    // "q/k/v biases", "q_norm / k_norm", "sliding window 4096", ... or ""
    int64_t parameters = 0;
    int64_t hidden_size = 0, intermediate_size = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
    int64_t vocab_size = 0, context = 0;
    bool tied_embeddings = false;
    std::string stored_dtype;       // as in config.json
    std::string dtype;              // as loaded
    std::string device;
    int64_t weight_bytes = 0;       // parameters on the device
    bool has_tokenizer = false;
    std::string tokenizer_kind;     // "SentencePiece (tokenizer.model)", "byte-level BPE (tokenizer.json)", and which
                                    // file was read when the folder has both
    std::string tokenizer_note;     // why there is none
    std::string chat_template;      // the file the chat template was read from ("tokenizer_config.json",
                                    // "chat_template.jinja"), "" when none
    std::string chat_note;          // why a template present cannot be used
    size_t known_facts = 0;         // facts from known_facts.jsonl (retain pool + collateral probes)
};

struct MemoryUse {
    int64_t model_bytes = 0;        // live weights on the device
    int64_t original_bytes = 0;     // CPU copies of the original weights (not those read from the mapped file)
    int64_t runs_bytes = 0;         // CPU copies of run weights kept for comparison/export
};

struct SampleOptions {
    int max_new_tokens = 24;
    double temperature = 0.0;       // 0 = greedy
    double top_p = 1.0;
    uint64_t seed = 0;
    bool chat = false;              // the prompt as a user turn in the model's chat template (instruct models)
};

struct TokenProb {
    std::string text;               // the token's text (may be empty for a partial UTF-8 byte)
    float prob = 0;                 // p(token | prefix) under the model that produced it
};

struct Completion {
    std::string text;
    std::vector<TokenProb> tokens;
};

// P(answer | prompt) under both models (-1 when not computed).
struct AnswerProb {
    std::string label;              // "answer", "new answer", "original's answer", "edited's answer"
    std::string answer;
    double p_original = -1, p_edited = -1;
};

struct ProbeResult {
    std::string prompt;
    Completion original, edited;
    int edited_run = 0;             // run whose weights answered as "edited" (0: no edit yet)
    std::vector<AnswerProb> answers;
};

// One fact probed on the original and the active weights.
struct FactProbe {
    int fact = -1;                  // index into the probed FactSet
    facts::Kind kind = facts::Kind::Retain;
    std::string prompt;
    std::string target;             // forget/retain: the answer; update: the new answer
    std::string before, after;      // greedy completions (original, active)
    bool hit_before = false, hit_after = false;   // completion starts with the target
    double p_before = 0, p_after = 0;              // P(target | prompt)
    bool pass = false;              // forget: !hit_after; update/retain: hit_after
    std::string verdict;            // "forgotten", "still known", "updated", "not updated", "retained", "lost"
};

struct ExportOptions {
    std::string dtype = "float32";  // an HF folder's weights: "float32" | "bfloat16" | "float16"
    std::string gguf_type;          // not empty: one GGUF file of this type instead ("f32", "f16", "bf16", "q8_0", "q4_0")
    bool overwrite = false;         // replace an output llm-surgery wrote (never anything else)
    // A LoRA run's adapter instead of the model: "peft" (a PEFT adapter folder) or "gguf" (a GGUF LoRA file of
    // gguf_type f32, f16 or bf16). Empty: the model itself (a LoRA run's adapter merged into it).
    std::string adapter;
};

// One surgery run: its inputs, what happened, and the before/after report.
struct RunRecord {
    int id = 0;                     // 1, 2, ...
    int base = 0;                   // weights it started from: 0 = original, else a run id
    std::string started;            // local time, "2024-05-01 14:03:12"
    facts::FactSet facts;
    surgery::SurgeryConfig config;
    surgery::SurgeryOutcome outcome;
    std::vector<surgery::StepMetrics> steps;
    std::vector<surgery::EvalPoint> evals;
    std::optional<eval::Report> report;
    bool weights_kept = false;      // its edited weights are in memory (use / export / compare)
    bool adapter_kept = false;      // a LoRA run: its adapter is in memory too (export as PEFT folder or GGUF)
};

}  // namespace llms::session

// The data of the paper's experiment (`bench paper`, LLM Surgery arXiv 2409.13054 §5) built from the demo
// world: a seeded sample of subjects (countries, US states, elements, people) split into three disjoint
// sets A, B and C, and four document sets
//   D_unlearn  true sentences about A         (to forget)
//   D_edit     true sentences about B         (the old knowledge that the update replaces)
//   D_update   fictitious sentences about B   (real names, attributes swapped among B's subjects)
//   D_retain   true sentences about C         (to keep)
// A subject's documents are the sentences of every template of every fact about it (templates.h), one
// document per sentence (the unit pretraining packs as [BOS] sentence [EOS]). Every fact also gets a
// 3-option multiple-choice question: the first template's prompt, the answer the set should hold (the
// fictitious one for B) and two other answers of the same relation (for B: the true answer + one more).
// Torch-free; deterministic per seed (corpus::SeededRng).
#pragma once
#include "core/corpus/world_data.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace llms::bench {

struct PaperWorldOptions {
    std::filesystem::path data_dir;   // resources/world
    // Subjects sampled per category (capped at what the world has).
    size_t countries = 90, states = 30, elements = 60, people = 120;
    // Share of each category's subjects in A (unlearn) and B (edit/update); the rest is C (retain).
    double share_unlearn = 0.15, share_update = 0.15;
    size_t templates = 4;             // first N templates of each relation
    uint64_t seed = 1234;
};

// One multiple-choice question: options[correct] is the answer the set should hold.
struct PaperQuestion {
    std::string id;                   // "<relation>/<subject>"
    std::string prompt;               // "The capital of France is"
    std::vector<std::string> options; // 3 answers with a leading space, seeded order
    size_t correct = 0;
};

struct PaperWorld {
    std::vector<std::string> subjects_unlearn, subjects_update, subjects_retain;   // A, B, C (sorted)
    std::vector<corpus::Triple> facts_unlearn, facts_edit, facts_update, facts_retain;   // update: swapped objects
    std::vector<std::string> d_unlearn, d_edit, d_update, d_retain;   // sentences, fact order then template order
    std::vector<PaperQuestion> q_unlearn, q_update, q_retain;         // one per fact of A, B, C
};

// llms::Error when the world data is missing or a category yields too few subjects for three sets.
PaperWorld build_paper_world(const PaperWorldOptions& options);

// A corpus folder for pretrain::run: train.txt (the sentences, seeded shuffle, each `repetitions` times),
// facts.jsonl (the facts as retain facts, first-template prompt: what pretraining's recall measures) and
// corpus.json (counts). llms::Error when out_dir cannot be written.
void write_paper_corpus(const std::vector<std::string>& sentences, const std::vector<corpus::Triple>& facts,
                        size_t templates, size_t repetitions, uint64_t seed, const std::string& label,
                        const std::filesystem::path& out_dir);

}  // namespace llms::bench

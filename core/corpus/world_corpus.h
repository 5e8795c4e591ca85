// The demo world's training corpus: real, openly licensed facts (countries, US states, chemical
// elements, people) rendered through several sentence templates each, mixed with real prose
// (CIA World Factbook background, WordNet glosses), shuffled with a seed. The project pretrains its
// small demo Llama on it, so the model knows every fact that facts.jsonl lists, and the surgery demo
// can forget or update them. Torch-free.
//
// build_world_corpus writes into out_dir (created if needed):
//   train.txt    one training line per line: fact sentences (each template several times) + prose
//   heldout.txt  held-out Factbook prose lines, none of them in train.txt (fluency perplexity)
//   facts.jsonl  every fact taught, as a retain FactSet (core/facts/fact_set.h): id "<relation>/<subject>",
//                prompt = first template's text before the answer ("The capital of France is"),
//                answer " Paris" (leading space), paraphrases = the other answer-at-end templates'
//                prompts, options = 3 MCQA choices (the answer + 2 same-relation distractors, seeded
//                order), tags = [relation]
//   corpus.json  manifest: version, preset, seed, counts, templates per relation, sources
// The same options give byte-identical files (std::mt19937_64 with hand-written draws only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace llms::corpus {

struct CorpusOptions {
    std::filesystem::path data_dir;   // resources/world (with SOURCES.md and licenses/)
    std::string preset = "demo";      // "demo" (~1,700 facts, ~1.2 MB) | "tiny" (50 facts, ~45 KB)
    uint64_t seed = 1234;
};

struct CorpusStats {
    size_t facts = 0;
    size_t train_lines = 0;
    size_t train_chars = 0;     // bytes of train.txt (UTF-8; nearly all ASCII)
    size_t heldout_lines = 0;
    std::map<std::string, size_t> per_relation;   // facts per relation
    size_t fact_chars = 0;      // bytes of train.txt that are fact sentences (with their newlines)
    size_t prose_chars = 0;     // bytes of train.txt that are prose lines (with their newlines)
    size_t heldout_chars = 0;
};

// llms::Error if the preset is unknown, a data file is missing or malformed, or out_dir is not writable.
CorpusStats build_world_corpus(const CorpusOptions& options, const std::filesystem::path& out_dir);

}  // namespace llms::corpus

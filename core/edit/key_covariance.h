// The key covariance of ROME / MEMIT: C = E[k kᵀ] of a layer's down_proj input k = silu(gate x) ⊙ up x [F], over
// the tokens of a bounded text sample (float64 accumulation), cached on disk per model, layer and sample.
//
// Cache file (cache_dir/cov-<model id>-<sample id>-L<layer>-n<tokens>.bin), little-endian:
//   "LLMSCOV1" | u32 version (1) | u32 F | u32 layer | u32 0 | u64 tokens | u64 model id | u64 sample id |
//   u64 checksum of the payload | F*F float64 (row-major C)
// Every field is checked on reading; a file that does not match (truncated, corrupt, another model) is recomputed
// and replaced, never trusted. Written atomically (core/io/atomic_write.h).
#pragma once
#include "core/model/model_loader.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace llms::edit {

struct CovarianceOptions {
    int64_t max_tokens = 20000;              // the sample: the texts' first tokens up to this many
    std::filesystem::path cache_dir;         // empty: no cache
    const std::atomic<bool>* stop = nullptr; // checked between texts
    std::function<void(int64_t done, int64_t total)> progress;   // tokens
};

struct Covariance {
    at::Tensor C;               // [F, F] float64, on the CPU; undefined when stopped
    int64_t tokens = 0;         // tokens averaged over
    bool from_cache = false;
    bool stopped = false;
    std::string cache_note;     // why a cache file was not used ("" when none was there or it was used)
};

// $XDG_CACHE_HOME/llm-surgery/covariance, or ~/.cache/llm-surgery/covariance; empty when neither is set.
std::filesystem::path default_covariance_cache();

// A 64-bit identity of the weights the keys of `layer` depend on (the embeddings and layers 0..layer) and the config:
// equal ids mean the same keys for the same text.
uint64_t model_identity(LoadedModel& m, int64_t layer);

// The covariance of the keys of `layer` over `texts` (token ids, each BOS first; each runs alone, no padding).
Covariance key_covariance(LoadedModel& m, int64_t layer, const std::vector<std::vector<int32_t>>& texts,
                          const CovarianceOptions& o);

// The raw accumulation without the cache (tests compare against it).
at::Tensor key_covariance_uncached(LoadedModel& m, int64_t layer, const std::vector<std::vector<int32_t>>& texts,
                                   int64_t max_tokens, int64_t* tokens_used);

}  // namespace llms::edit

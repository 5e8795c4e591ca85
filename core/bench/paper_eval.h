// The paper's table entries for one model and one set: 3-option multiple-choice accuracy (the option whose
// answer tokens have the lowest perplexity wins, as in the official evaluation) and perplexity on the set's
// documents. Torch-free header.
#pragma once
#include "core/bench/paper_world.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llms {
struct LoadedModel;
}

namespace llms::bench {

struct PaperSetScore {
    int questions = 0;
    double mcqa_acc = 0;      // share of questions whose correct option has the lowest mean answer NLL
    double answer_ppl = 0;    // exp(mean over questions of the correct option's mean answer-token NLL)
    int documents = 0;
    int64_t tokens = 0;       // document tokens scored (after BOS)
    double ppl = 0;           // exp(total NLL / tokens) over the documents ([BOS] + sentence, every token after BOS)
};

// Teacher-forced and batched (rows of equal length together, no padding in what is scored); deterministic for
// a given model and thread count. The model's tokenizer is required (llms::Error otherwise).
PaperSetScore score_paper_set(LoadedModel& model, const std::vector<PaperQuestion>& questions,
                              const std::vector<std::string>& documents);

}  // namespace llms::bench

// The demo model of the desktop app: built once on first run from the shipped world data (corpus + pretrain
// with the demo preset) into the user's data folder, then opened from there. A folder that is not complete
// (an interrupted or crashed build, a damaged file) is never loaded: it is removed and rebuilt.
// Torch-free (the GUI's first-run helper calls it, on a worker thread).
#pragma once
#include "core/pretrain/pretrain.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

namespace llms::pretrain {

// $XDG_DATA_HOME/llm-surgery/demo-model, or ~/.local/share/llm-surgery/demo-model.
// llms::Error when neither XDG_DATA_HOME nor HOME is set.
std::filesystem::path demo_model_dir();

// True when dir holds a complete model (io::looks_like_complete_hf_folder), known_facts.jsonl, and a
// pretrain.json that parses as this program's pretrain record. Otherwise false, with the reason in *why.
// Never throws.
bool model_folder_ready(const std::filesystem::path& dir, std::string* why = nullptr);
inline bool demo_model_ready(std::string* why = nullptr) {
    try {
        return model_folder_ready(demo_model_dir(), why);
    } catch (const std::exception& e) {
        if (why) *why = e.what();
        return false;
    }
}

// The shipped world data (resources/world with SOURCES.md and triples.tsv): $LLMS_WORLD_DATA, else
// <exe dir>/../share/llm-surgery/world (an install tree, or a build tree, where it links to resources/world),
// else ./resources/world. llms::Error listing the places tried.
std::filesystem::path find_world_data();

struct DemoModelOptions {
    std::filesystem::path dir;          // empty: demo_model_dir()
    std::filesystem::path world_data;   // empty: find_world_data()
    std::string preset = "demo";        // corpus and pretrain preset ("tiny" for tests)
    bool rebuild = false;               // rebuild even when the folder is ready
    int threads = 0;                    // 0: physical cores
    int steps = 0;                      // 0: the preset's (tests use few)
    uint64_t seed = 1234;
};

struct DemoModelBuild {
    std::filesystem::path dir;
    bool built = false;                 // false: it was ready already (nothing done)
    bool stopped = false;               // the stop flag ended the build: no model at dir
    std::string replaced_reason;        // why an existing folder was removed ("" when there was none)
    Result pretrain;                    // when built
};

// Makes sure a ready demo model is at options.dir: returns at once when it is (and !rebuild); otherwise
// removes whatever is there (a half-written or damaged folder, build leftovers), builds the corpus in a
// scratch folder beside it and pretrains into it. Progress: Phase::Corpus, then pretrain's phases.
// llms::Error on failure (world data missing, folder not writable, ...); then nothing at dir looks ready.
DemoModelBuild build_demo_model(const DemoModelOptions& options,
                                const std::function<void(const Progress&)>& on_progress = {},
                                const std::atomic<bool>* stop = nullptr);

}  // namespace llms::pretrain

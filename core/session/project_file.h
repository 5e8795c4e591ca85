// A project: the model folder, the fact set, the surgery and probe settings and the run history (settings,
// metrics, reports; no weights). One JSON file, versioned, written atomically. Torch-free and Qt-free.
//
//   {"format": "llm-surgery-project", "version": 1, "model_dir": "...", "facts": [<fact objects as in JSONL>],
//    "surgery": {<SurgeryConfig fields>}, "probe": {...}, "from_original": true,
//    "runs": [{"id", "base", "started", "facts": [...], "surgery": {...}, "outcome": {...},
//              "steps": [[step, forget, edit, update, retain, total, grad_norm, lr, tokens_per_s, seconds, active], ...],
//              "evals": [[step, forget_acc, update_acc, retain_acc], ...], "report": <eval::Report JSON>}]}
#pragma once
#include "core/facts/fact_set.h"
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace llms::session {

struct Project {
    std::string model_dir;
    facts::FactSet facts;
    surgery::SurgeryConfig surgery;
    SampleOptions probe;
    bool from_original = true;
    std::vector<RunRecord> runs;   // weights_kept is always false after loading
    bool operator==(const Project&) const;
};

std::string project_to_json(const Project& p);
// Error naming the source and what is wrong (bad JSON, wrong format or version, a bad fact line).
Project project_from_json(const std::string& text, const std::string& source = "<project>");
void save_project(const Project& p, const std::filesystem::path& path);   // temp file + rename
Project load_project(const std::filesystem::path& path);

// The same JSON pieces, for the UI's own use (autosave).
std::string config_to_json(const surgery::SurgeryConfig& c);
surgery::SurgeryConfig config_from_json(const std::string& text);

}  // namespace llms::session

#include "core/eval/known_text.h"

#include "core/facts/text_file.h"

#include <sstream>

namespace llms::eval {

namespace fs = std::filesystem;

fs::path known_facts_file(const fs::path& model_dir) { return model_dir / "known_facts.jsonl"; }
fs::path heldout_file(const fs::path& model_dir) { return model_dir / "heldout.txt"; }

std::optional<facts::FactSet> load_known_facts(const fs::path& model_dir) {
    const fs::path file = known_facts_file(model_dir);
    if (!fs::exists(file)) return std::nullopt;
    return facts::load_jsonl(file);
}

std::vector<std::string> load_heldout_text(const fs::path& file) {
    std::istringstream in(facts::read_text_file(file, "held-out text"));
    std::vector<std::string> lines;
    for (std::string l; lines.size() < kHeldoutPassages && std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    return lines;
}

}  // namespace llms::eval

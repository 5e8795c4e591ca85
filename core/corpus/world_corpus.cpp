// Assembles the world corpus: picks the preset's facts, renders them through the templates,
// adds prose up to a share of the text, holds out Factbook lines, shuffles, writes four files.
#include "core/corpus/world_corpus.h"

#include "core/common/error.h"
#include "core/corpus/seeded_rng.h"
#include "core/corpus/templates.h"
#include "core/corpus/world_data.h"
#include "core/facts/fact_set.h"
#include "core/facts/text_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <system_error>

namespace llms::corpus {

namespace {

constexpr int kManifestVersion = 1;

struct Preset {
    std::string name;
    size_t templates_per_relation;            // the first N templates of each relation
    size_t repetitions;                       // copies of every fact sentence in train.txt
    std::map<std::string, size_t> relations;  // relation -> fact limit (SIZE_MAX: all)
    size_t people;                            // seeded subset of people (nationality, profession)
    double prose_share;                       // prose chars / train chars, at most
    double factbook_share;                    // of the prose budget, for Factbook lines (rest: glosses)
    double heldout_fraction;                  // of the Factbook lines
    size_t heldout_max;
};

Preset preset_of(const std::string& name) {
    constexpr size_t all = SIZE_MAX;
    if (name == "demo")
        // ~1,700 facts x 4 templates x 3 copies + ~33% prose: ~1.2 MB, ~300k tokens. A 5-15M-parameter
        // Llama sees it ~13 times in ~4M training tokens.
        return {"demo", 4, 3,
                {{"capital", all}, {"continent", all}, {"currency", all}, {"language", all},
                 {"state_capital", all}, {"element_symbol", all}, {"nationality", all}, {"profession", all}},
                300, 0.33, 0.6, 0.05, all};
    if (name == "tiny")
        // 50 facts x 2 templates x 8 copies + ~30% prose: ~45 KB, for tests that pretrain in a minute.
        return {"tiny", 2, 8, {{"capital", 25}, {"element_symbol", 25}}, 0, 0.30, 0.6, 0.05, 40};
    throw Error("unknown corpus preset \"" + name + "\" (use demo or tiny)");
}

std::string join_lines(const std::vector<std::string>& lines) {
    size_t n = 0;
    for (const auto& l : lines) n += l.size() + 1;
    std::string out;
    out.reserve(n);
    for (const auto& l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

// The preset's facts, by relation in template order, then subject.
std::vector<Triple> select_triples(const WorldData& data, const Preset& preset, uint64_t seed) {
    std::vector<Triple> out;
    std::vector<Person> people = data.people;
    SeededRng people_rng(seed, "people");
    people_rng.shuffle(people);
    people.resize(std::min(people.size(), preset.people));
    std::sort(people.begin(), people.end(), [](const Person& a, const Person& b) { return a.name < b.name; });

    for (const auto& rel : relation_templates()) {
        auto limit = preset.relations.find(rel.relation);
        if (limit == preset.relations.end()) continue;
        std::vector<Triple> candidates;
        if (rel.relation == "nationality" || rel.relation == "profession") {
            for (const auto& p : people)
                candidates.push_back({rel.relation, p.name, rel.relation == "nationality" ? p.nationality : p.profession});
        } else {
            for (const auto& t : data.triples)
                if (t.relation == rel.relation) candidates.push_back(t);
        }
        if (candidates.size() > limit->second) {
            SeededRng rng(seed, "select/" + rel.relation);
            rng.shuffle(candidates);
            candidates.resize(limit->second);
        }
        std::sort(candidates.begin(), candidates.end(), [](const Triple& a, const Triple& b) { return a.subject < b.subject; });
        if (candidates.empty())
            throw Error("the world data gave no facts for relation \"" + rel.relation + "\" (is resources/world complete?)");
        out.insert(out.end(), candidates.begin(), candidates.end());
    }
    return out;
}

// One retain fact per triple: first template's prompt, the other answer-at-end prompts as paraphrases,
// the answer among 3 options (2 distractors of the same relation, seeded order).
facts::FactSet make_fact_set(const std::vector<Triple>& triples, const Preset& preset, uint64_t seed) {
    std::map<std::string, std::vector<std::string>> pools;   // relation -> distinct objects (sorted)
    {
        std::map<std::string, std::set<std::string>> distinct;
        for (const auto& t : triples) distinct[t.relation].insert(t.object);
        for (auto& [r, s] : distinct) pools[r].assign(s.begin(), s.end());
    }
    SeededRng rng(seed, "options");
    facts::FactSet set;
    for (const auto& t : triples) {
        const auto& rel = templates_of(t.relation);
        facts::Fact f;
        f.kind = facts::Kind::Retain;
        f.id = t.relation + "/" + t.subject;
        const size_t n_templates = std::min(preset.templates_per_relation, rel.templates.size());
        for (size_t i = 0; i < n_templates; ++i) {
            auto pa = split_at_answer(rel.templates[i], t.subject, t.object);
            if (i == 0) {
                if (!pa) throw Error("the first template of \"" + t.relation + "\" must end with the answer (internal error)");
                f.prompt = pa->prompt;
                f.answer = pa->answer;
            } else if (pa) {
                f.paraphrases.push_back(pa->prompt);
            }
        }
        const auto& pool = pools[t.relation];
        if (pool.size() < 3)
            throw Error("relation \"" + t.relation + "\" has fewer than 3 distinct answers; no multiple-choice options possible");
        std::vector<std::string> options = {t.object};
        while (options.size() < 3) {
            const std::string& c = pool[rng.below(pool.size())];
            if (std::find(options.begin(), options.end(), c) == options.end()) options.push_back(c);
        }
        rng.shuffle(options);
        for (auto& o : options) f.options.push_back(" " + o);
        f.tags = {t.relation};
        set.facts.push_back(std::move(f));
    }
    return set;
}

}  // namespace

CorpusStats build_world_corpus(const CorpusOptions& options, const std::filesystem::path& out_dir) {
    const Preset preset = preset_of(options.preset);
    const WorldData data = read_world_data(options.data_dir);
    const std::vector<Triple> triples = select_triples(data, preset, options.seed);
    const facts::FactSet fact_set = make_fact_set(triples, preset, options.seed);
    if (auto issues = fact_set.validate(); !issues.empty())
        throw Error("the corpus builder made an invalid fact (internal error): " + issues.front().to_string());

    CorpusStats stats;
    stats.facts = triples.size();

    // Fact sentences: every template of the preset, `repetitions` times.
    std::vector<std::string> train;
    for (const auto& t : triples) {
        const auto& rel = templates_of(t.relation);
        const size_t n_templates = std::min(preset.templates_per_relation, rel.templates.size());
        for (size_t i = 0; i < n_templates; ++i) {
            const std::string sentence = render(rel.templates[i], t.subject, t.object);
            for (size_t r = 0; r < preset.repetitions; ++r) train.push_back(sentence);
            stats.fact_chars += preset.repetitions * (sentence.size() + 1);
        }
        ++stats.per_relation[t.relation];
    }
    const size_t fact_lines = train.size();

    // Prose: hold out Factbook lines first, then fill the budget with Factbook and WordNet lines.
    const double budget = static_cast<double>(stats.fact_chars) * preset.prose_share / (1.0 - preset.prose_share);
    std::vector<std::string> factbook = data.factbook;
    SeededRng(options.seed, "heldout").shuffle(factbook);
    const size_t n_heldout = std::min(preset.heldout_max,
                                      static_cast<size_t>(std::lround(preset.heldout_fraction * static_cast<double>(factbook.size()))));
    std::vector<std::string> heldout(factbook.begin(), factbook.begin() + static_cast<std::ptrdiff_t>(n_heldout));
    auto take = [&](const std::vector<std::string>& lines, size_t from, double limit) {
        for (size_t i = from; i < lines.size(); ++i)
            if (static_cast<double>(stats.prose_chars + lines[i].size() + 1) <= limit) {
                train.push_back(lines[i]);
                stats.prose_chars += lines[i].size() + 1;
            }
    };
    take(factbook, n_heldout, budget * preset.factbook_share);
    std::vector<std::string> glosses = data.glosses;
    SeededRng(options.seed, "glosses").shuffle(glosses);
    take(glosses, 0, budget);
    const size_t prose_lines = train.size() - fact_lines;

    const std::set<std::string> train_set(train.begin(), train.end());
    for (const auto& h : heldout)
        if (train_set.count(h)) throw Error("held-out line also in train.txt (internal error): " + h.substr(0, 60));

    SeededRng(options.seed, "train").shuffle(train);
    const std::string train_text = join_lines(train);
    const std::string heldout_text = join_lines(heldout);
    stats.train_lines = train.size();
    stats.train_chars = train_text.size();
    stats.heldout_lines = heldout.size();
    stats.heldout_chars = heldout_text.size();

    // Manifest.
    nlohmann::ordered_json m;
    m["format"] = "llm-surgery world corpus";
    m["version"] = kManifestVersion;
    m["preset"] = preset.name;
    m["seed"] = options.seed;
    m["files"] = {{"train", "train.txt"}, {"heldout", "heldout.txt"}, {"facts", "facts.jsonl"}};
    m["counts"] = {{"facts", stats.facts},
                   {"train_lines", stats.train_lines},
                   {"train_chars", stats.train_chars},
                   {"fact_lines", fact_lines},
                   {"fact_chars", stats.fact_chars},
                   {"prose_lines", prose_lines},
                   {"prose_chars", stats.prose_chars},
                   {"heldout_lines", stats.heldout_lines},
                   {"heldout_chars", stats.heldout_chars},
                   {"per_relation", stats.per_relation}};
    m["repetitions"] = preset.repetitions;
    nlohmann::ordered_json rels = nlohmann::ordered_json::object();
    for (const auto& rel : relation_templates()) {
        if (!preset.relations.count(rel.relation)) continue;
        const size_t n = std::min(preset.templates_per_relation, rel.templates.size());
        rels[rel.relation] = {{"facts", stats.per_relation[rel.relation]},
                              {"source", rel.source},
                              {"templates", std::vector<std::string>(rel.templates.begin(), rel.templates.begin() + static_cast<std::ptrdiff_t>(n))}};
    }
    m["relations"] = rels;
    m["prose"] = {{"factbook", "CIA World Factbook background (CC0-1.0), one sentence per line; heldout.txt holds " +
                                   std::to_string(stats.heldout_lines) + " of them out"},
                  {"glosses", "Princeton WordNet 3.0 instance glosses (WordNet 3.0 license)"},
                  {"max_share", preset.prose_share}};
    m["dropped"] = {{"unclean_values", data.dropped_unclean}, {"ambiguous_subjects", data.dropped_ambiguous}};
    m["attribution"] = "see SOURCES.md and licenses/ in the world data folder";

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw Error("cannot create the corpus folder " + out_dir.string() + ": " + ec.message());
    facts::write_text_file_atomic(out_dir / "train.txt", train_text);
    facts::write_text_file_atomic(out_dir / "heldout.txt", heldout_text);
    facts::save_jsonl(fact_set, out_dir / "facts.jsonl");
    facts::write_text_file_atomic(out_dir / "corpus.json", m.dump(2) + "\n");
    return stats;
}

}  // namespace llms::corpus

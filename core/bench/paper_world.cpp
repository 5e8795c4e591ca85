// Subjects -> sets A/B/C -> true and fictitious sentences -> multiple-choice questions; corpus folders.
#include "core/bench/paper_world.h"

#include "core/common/error.h"
#include "core/corpus/seeded_rng.h"
#include "core/corpus/templates.h"
#include "core/facts/fact_set.h"
#include "core/facts/text_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <system_error>

namespace llms::bench {

namespace {

using corpus::SeededRng;
using corpus::Triple;

struct Category {
    std::string name;
    std::vector<std::string> relations;
    size_t take;
};

// Relation index in template order (capital, continent, ..., profession): the order of a subject's facts.
size_t relation_rank(const std::string& relation) {
    const auto& all = corpus::relation_templates();
    for (size_t i = 0; i < all.size(); ++i)
        if (all[i].relation == relation) return i;
    return all.size();
}

// Every fact of the world by subject: triples.tsv's relations plus the people's nationality and profession.
std::map<std::string, std::vector<Triple>> facts_by_subject(const corpus::WorldData& data) {
    std::map<std::string, std::vector<Triple>> by;
    for (const auto& t : data.triples)
        if (relation_rank(t.relation) < corpus::relation_templates().size()) by[t.subject].push_back(t);
    for (const auto& p : data.people) {
        by[p.name].push_back({"nationality", p.name, p.nationality});
        by[p.name].push_back({"profession", p.name, p.profession});
    }
    for (auto& [s, v] : by)
        std::stable_sort(v.begin(), v.end(),
                         [](const Triple& a, const Triple& b) { return relation_rank(a.relation) < relation_rank(b.relation); });
    return by;
}

std::vector<std::string> sentences_of(const std::vector<Triple>& facts, size_t templates) {
    std::vector<std::string> out;
    for (const auto& t : facts) {
        const auto& rel = corpus::templates_of(t.relation);
        for (size_t i = 0; i < std::min(templates, rel.templates.size()); ++i)
            out.push_back(corpus::render(rel.templates[i], t.subject, t.object));
    }
    return out;
}

// Facts of the given subjects, by subject then relation.
std::vector<Triple> facts_of(const std::vector<std::string>& subjects, const std::map<std::string, std::vector<Triple>>& by) {
    std::vector<Triple> out;
    for (const auto& s : subjects) {
        const auto& v = by.at(s);
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}

// The answer pool of each relation: distinct objects of the sampled world (byte order).
using Pools = std::map<std::string, std::vector<std::string>>;

const std::string& draw_other(const Pools& pools, const std::string& relation, const std::vector<std::string>& avoid,
                              SeededRng& rng) {
    const auto& pool = pools.at(relation);
    size_t usable = 0;
    for (const auto& o : pool) usable += std::find(avoid.begin(), avoid.end(), o) == avoid.end();
    if (usable == 0)
        throw Error("relation \"" + relation + "\" has too few distinct answers in the sampled world for 3 options: "
                    "sample more subjects");
    for (;;) {
        const std::string& c = pool[rng.below(pool.size())];
        if (std::find(avoid.begin(), avoid.end(), c) == avoid.end()) return c;
    }
}

// B's fictitious facts: each relation's objects rotated by one among B's subjects in a seeded order (a swap of
// real attributes); where the rotation hands a subject its own value (shared values such as "Euro"), another
// answer of the relation is drawn instead.
std::vector<Triple> swap_attributes(const std::vector<Triple>& edit, const Pools& pools, uint64_t seed) {
    std::vector<Triple> out = edit;
    std::map<std::string, std::vector<size_t>> by_rel;
    for (size_t i = 0; i < edit.size(); ++i) by_rel[edit[i].relation].push_back(i);
    for (auto& [rel, idx] : by_rel) {
        SeededRng rng(seed, "paper/swap/" + rel);
        rng.shuffle(idx);
        for (size_t k = 0; k < idx.size(); ++k) {
            const std::string& next = edit[idx[(k + 1) % idx.size()]].object;
            const std::string& own = edit[idx[k]].object;
            out[idx[k]].object = next != own ? next : draw_other(pools, rel, {own}, rng);
        }
    }
    return out;
}

// One question per fact: the prompt of the first template; `holds[i]` is the answer that counts as correct,
// `also[i]` (when not empty) another answer that must be among the options (B: the true one).
std::vector<PaperQuestion> questions(const std::vector<Triple>& holds, const std::vector<Triple>* also, const Pools& pools,
                                     SeededRng& rng) {
    std::vector<PaperQuestion> out;
    for (size_t i = 0; i < holds.size(); ++i) {
        const Triple& t = holds[i];
        const auto pa = corpus::split_at_answer(corpus::templates_of(t.relation).templates[0], t.subject, t.object);
        if (!pa) throw Error("the first template of \"" + t.relation + "\" must end with the answer (internal error)");
        std::vector<std::string> opts = {t.object};
        if (also && (*also)[i].object != t.object) opts.push_back((*also)[i].object);
        while (opts.size() < 3) opts.push_back(draw_other(pools, t.relation, opts, rng));
        const std::string correct = opts[0];
        rng.shuffle(opts);
        PaperQuestion q;
        q.id = t.relation + "/" + t.subject;
        q.prompt = pa->prompt;
        for (const auto& o : opts) q.options.push_back(" " + o);
        q.correct = static_cast<size_t>(std::find(opts.begin(), opts.end(), correct) - opts.begin());
        out.push_back(std::move(q));
    }
    return out;
}

}  // namespace

PaperWorld build_paper_world(const PaperWorldOptions& o) {
    if (o.templates < 1) throw Error("bench paper needs at least one template per relation");
    if (!(o.share_unlearn > 0) || !(o.share_update > 0) || o.share_unlearn + o.share_update >= 1)
        throw Error("bench paper: the unlearn and update shares must be positive and leave room for the retain set");
    const corpus::WorldData data = corpus::read_world_data(o.data_dir);
    const auto by = facts_by_subject(data);

    // Subjects per category: a name belongs to the first category that lists it (Georgia is a country here).
    const std::vector<Category> cats = {{"countries", {"capital", "continent", "currency", "language"}, o.countries},
                                        {"states", {"state_capital"}, o.states},
                                        {"elements", {"element_symbol"}, o.elements},
                                        {"people", {"nationality", "profession"}, o.people}};
    std::set<std::string> placed;
    PaperWorld w;
    for (const auto& c : cats) {
        std::vector<std::string> names;
        for (const auto& [s, facts] : by) {
            if (placed.count(s)) continue;
            const bool in = std::any_of(facts.begin(), facts.end(), [&](const Triple& t) {
                return std::find(c.relations.begin(), c.relations.end(), t.relation) != c.relations.end();
            });
            if (in) names.push_back(s), placed.insert(s);
        }
        SeededRng(o.seed, "paper/subjects/" + c.name).shuffle(names);
        names.resize(std::min(names.size(), c.take));
        if (names.empty()) continue;
        const size_t n = names.size();
        const size_t na = std::max<size_t>(n >= 3 ? 1 : 0, (size_t)std::lround(o.share_unlearn * (double)n));
        const size_t nb = std::max<size_t>(n >= 3 ? 1 : 0, (size_t)std::lround(o.share_update * (double)n));
        if (na + nb >= n && n >= 3) throw Error("bench paper: too few " + c.name + " for three sets (internal error)");
        for (size_t i = 0; i < n; ++i)
            (i < na ? w.subjects_unlearn : i < na + nb ? w.subjects_update : w.subjects_retain).push_back(names[i]);
    }
    for (auto* v : {&w.subjects_unlearn, &w.subjects_update, &w.subjects_retain}) std::sort(v->begin(), v->end());
    if (w.subjects_unlearn.empty() || w.subjects_update.empty() || w.subjects_retain.empty())
        throw Error("bench paper: the world sample is too small for three subject sets: sample more subjects");

    w.facts_unlearn = facts_of(w.subjects_unlearn, by);
    w.facts_edit = facts_of(w.subjects_update, by);
    w.facts_retain = facts_of(w.subjects_retain, by);
    Pools pools;
    {
        std::map<std::string, std::set<std::string>> distinct;
        for (const auto* v : {&w.facts_unlearn, &w.facts_edit, &w.facts_retain})
            for (const auto& t : *v) distinct[t.relation].insert(t.object);
        for (auto& [r, s] : distinct) pools[r].assign(s.begin(), s.end());
    }
    w.facts_update = swap_attributes(w.facts_edit, pools, o.seed);

    w.d_unlearn = sentences_of(w.facts_unlearn, o.templates);
    w.d_edit = sentences_of(w.facts_edit, o.templates);
    w.d_update = sentences_of(w.facts_update, o.templates);
    w.d_retain = sentences_of(w.facts_retain, o.templates);

    SeededRng qrng(o.seed, "paper/options");
    w.q_unlearn = questions(w.facts_unlearn, nullptr, pools, qrng);
    w.q_update = questions(w.facts_update, &w.facts_edit, pools, qrng);
    w.q_retain = questions(w.facts_retain, nullptr, pools, qrng);
    return w;
}

void write_paper_corpus(const std::vector<std::string>& sentences, const std::vector<corpus::Triple>& facts,
                        size_t templates, size_t repetitions, uint64_t seed, const std::string& label,
                        const std::filesystem::path& out_dir) {
    std::vector<std::string> train;
    for (const auto& s : sentences)
        for (size_t r = 0; r < repetitions; ++r) train.push_back(s);
    SeededRng(seed, "paper/train/" + label).shuffle(train);
    std::string text;
    for (const auto& l : train) text += l + "\n";

    facts::FactSet set;
    for (const auto& t : facts) {
        const auto& rel = corpus::templates_of(t.relation);
        facts::Fact f;
        f.kind = facts::Kind::Retain;
        f.id = t.relation + "/" + t.subject;
        for (size_t i = 0; i < std::min(templates, rel.templates.size()); ++i) {
            const auto pa = corpus::split_at_answer(rel.templates[i], t.subject, t.object);
            if (i == 0 && pa) f.prompt = pa->prompt, f.answer = pa->answer;
            else if (pa) f.paraphrases.push_back(pa->prompt);
        }
        f.tags = {t.relation};
        set.facts.push_back(std::move(f));
    }

    nlohmann::ordered_json m;
    m["format"] = "llm-surgery world corpus";
    m["version"] = 1;
    m["preset"] = "bench-paper/" + label;
    m["seed"] = seed;
    m["files"] = {{"train", "train.txt"}, {"facts", "facts.jsonl"}};
    m["counts"] = {{"facts", facts.size()}, {"sentences", sentences.size()}, {"train_lines", train.size()},
                   {"train_chars", text.size()}};
    m["repetitions"] = repetitions;

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw Error("cannot create the corpus folder " + out_dir.string() + ": " + ec.message());
    facts::write_text_file_atomic(out_dir / "train.txt", text);
    facts::save_jsonl(set, out_dir / "facts.jsonl");
    facts::write_text_file_atomic(out_dir / "corpus.json", m.dump(2) + "\n");
}

}  // namespace llms::bench

#include "core/surgery/demo_scenario.h"

#include "core/common/error.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace llms::surgery {

facts::FactSet build_demo_scenario(const facts::FactSet& known, uint64_t seed, const ScenarioSizes& sizes) {
    std::mt19937_64 rng(seed);
    auto shuffle = [&](auto& v) {
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
    };
    std::map<std::string, std::vector<const facts::Fact*>> by_rel;   // ordered: deterministic
    for (const auto& f : known.facts)
        if (!f.is_document() && !f.tags.empty() && !f.answer.empty()) by_rel[f.tags[0]].push_back(&f);
    if (by_rel.empty()) throw Error("demo scenario: no tagged facts to draw from");
    for (auto& [rel, v] : by_rel) shuffle(v);

    // Round-robin over relations: forget first, then update.
    std::map<std::string, size_t> next;
    std::set<const facts::Fact*> taken;
    auto draw = [&](int n) {
        std::vector<const facts::Fact*> out;
        while ((int)out.size() < n) {
            bool any = false;
            for (auto& [rel, v] : by_rel) {
                if ((int)out.size() >= n) break;
                if (next[rel] < v.size()) out.push_back(v[next[rel]++]), any = true;
            }
            if (!any) throw Error("demo scenario: not enough known facts for the requested sizes");
        }
        for (auto* f : out) taken.insert(f);
        return out;
    };
    facts::FactSet set;
    for (const auto* f : draw(sizes.forget)) {
        facts::Fact x = *f;
        x.kind = facts::Kind::Forget;
        x.new_answer.clear();   // the known facts may come from a fact set with updates
        x.id = "forget/" + f->id;
        set.facts.push_back(x);
    }
    for (const auto* f : draw(sizes.update)) {
        // The fictitious answer: another subject's answer of the same relation (a real name), never the true one.
        const auto& pool = by_rel[f->tags[0]];
        std::string fake;
        for (size_t tries = 0; tries < 4 * pool.size() && fake.empty(); ++tries) {
            const auto* o = pool[rng() % pool.size()];
            if (o->answer != f->answer) fake = o->answer;
        }
        if (fake.empty()) continue;   // a relation with a single answer cannot be updated plausibly
        facts::Fact x = *f;
        x.kind = facts::Kind::Update;
        x.id = "update/" + f->id;
        x.new_answer = fake;
        x.options = {fake, f->answer};
        for (const auto& o : f->options)
            if (o != fake && o != f->answer && x.options.size() < 3) x.options.push_back(o);
        if (x.options.size() < 3) x.options.resize(2);
        set.facts.push_back(x);
    }
    std::vector<const facts::Fact*> rest;
    for (auto& [rel, v] : by_rel)
        for (auto* f : v)
            if (!taken.count(f)) rest.push_back(f);
    shuffle(rest);
    for (int i = 0; i < sizes.retain && i < (int)rest.size(); ++i) {
        facts::Fact x = *rest[i];
        x.kind = facts::Kind::Retain;
        x.new_answer.clear();
        x.id = "retain/" + rest[i]->id;
        set.facts.push_back(x);
    }
    return set;
}

}  // namespace llms::surgery

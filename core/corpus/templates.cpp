#include "core/corpus/templates.h"

#include "core/common/error.h"

namespace llms::corpus {

const std::vector<RelationTemplates>& relation_templates() {
    static const std::vector<RelationTemplates> all = {
        {"capital", "npm countries-list 3.4.1 (triples.tsv)",
         {"The capital of {s} is {o}.", "{s}'s capital city is {o}.", "The capital city of {s} is {o}.",
          "{o} is the capital of {s}."},
         "{s} has its seat of government in {o}."},
        {"continent", "npm countries-list 3.4.1 (triples.tsv)",
         {"{s} is located in {o}.", "{s} lies on the continent of {o}.", "The continent of {s} is {o}.",
          "{o} is the continent where {s} lies."},
         "{s} is a country of {o}."},
        {"currency", "npm countries-list 3.4.1 (triples.tsv)",
         {"The currency of {s} is the {o}.", "The official currency of {s} is the {o}.",
          "In {s}, people pay with the {o}.", "{s} uses the {o} as its currency."},
         "The money used in {s} is the {o}."},
        {"language", "npm countries-list 3.4.1 (triples.tsv)",
         {"The official language of {s} is {o}.", "In {s}, the official language is {o}.",
          "People in {s} officially speak {o}.", "{o} is the official language of {s}."},
         "The language of government in {s} is {o}."},
        {"state_capital", "Debian bsdgames quiz (bsdgames_quiz.tsv)",
         {"The capital of the US state of {s} is {o}.", "The state capital of {s} is {o}.",
          "{s}'s state capital is {o}.", "{o} is the state capital of {s}."},
         "The seat of government of {s} is {o}."},
        {"element_symbol", "Debian dict-elements (dict_elements.tsv)",
         {"The chemical symbol of {s} is {o}.", "The symbol for the element {s} is {o}.",
          "{s} has the chemical symbol {o}.", "{o} is the chemical symbol of {s}."},
         "In chemistry, {s} is written as {o}."},
        {"nationality", "Princeton WordNet 3.0 (wordnet_people.tsv)",
         {"The nationality of {s} was {o}.", "{s}'s nationality was {o}.", "By nationality, {s} was {o}.",
          "{s} had {o} nationality."},
         "By birth, {s} was {o}."},
        {"profession", "Princeton WordNet 3.0 (wordnet_people.tsv)",
         {"The profession of {s} was {o}.", "{s}'s profession was {o}.", "{s} had the occupation of {o}.",
          "{o} was the profession of {s}."},
         "{s} worked in the profession of {o}."},
    };
    return all;
}

const RelationTemplates& templates_of(std::string_view relation) {
    for (const auto& r : relation_templates())
        if (r.relation == relation) return r;
    throw Error("no sentence templates for relation \"" + std::string(relation) + "\" (internal error)");
}

std::string render(std::string_view tmpl, const std::string& s, const std::string& o) {
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl.compare(i, 3, "{s}") == 0) {
            out += s;
            i += 2;
            // "Solomon Islands's" -> "Solomon Islands'"
            if (!s.empty() && s.back() == 's' && tmpl.compare(i + 1, 2, "'s") == 0) {
                out += '\'';
                i += 2;
            }
        } else if (tmpl.compare(i, 3, "{o}") == 0) {
            out += o;
            i += 2;
            if (!o.empty() && o.back() == '.' && i + 1 < tmpl.size() && tmpl[i + 1] == '.') ++i;
        } else {
            out += tmpl[i];
        }
    }
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

std::optional<PromptAnswer> split_at_answer(std::string_view tmpl, const std::string& s, const std::string& o) {
    constexpr std::string_view tail = " {o}.";
    if (tmpl.size() <= tail.size() || tmpl.substr(tmpl.size() - tail.size()) != tail) return std::nullopt;
    return PromptAnswer{render(tmpl.substr(0, tmpl.size() - tail.size()), s, o), " " + o};
}

std::optional<std::string> subject_of_prompt(std::string_view relation, const std::string& prompt) {
    const RelationTemplates* rel = nullptr;
    for (const auto& r : relation_templates())
        if (r.relation == relation) rel = &r;
    if (!rel) return std::nullopt;
    constexpr std::string_view tail = " {o}.";
    const std::string_view t = std::string_view(rel->templates.front()).substr(0, rel->templates.front().size() - tail.size());
    const size_t at = t.find("{s}");
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view before = t.substr(0, at), after = t.substr(at + 3);
    if (after.substr(0, 2) == "'s" || prompt.size() <= before.size() + after.size()) return std::nullopt;
    if (prompt.compare(0, before.size(), before) != 0 ||
        prompt.compare(prompt.size() - after.size(), after.size(), after) != 0)
        return std::nullopt;
    return prompt.substr(before.size(), prompt.size() - before.size() - after.size());
}

}  // namespace llms::corpus

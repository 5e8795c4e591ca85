// Sentence templates per relation ("{s}" subject, "{o}" object). The first template of each
// relation ends with the answer and is the fact's prompt; the other answer-at-end templates give its
// paraphrases; a template with the answer inside ("{o} is the capital of {s}.") is taught but is no
// prompt. Each relation also has a held-out template the corpus never renders: the audit asks it
// (core/eval/audit.h), a wording the model cannot have memorised.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llms::corpus {

struct RelationTemplates {
    std::string relation;
    std::string source;                   // where its facts come from (manifest)
    std::vector<std::string> templates;   // first: the prompt template (ends with " {o}.")
    std::string heldout;                  // never in a corpus; ends with " {o}."
};

// Fixed order: capital, continent, currency, language, state_capital, element_symbol, nationality, profession.
const std::vector<RelationTemplates>& relation_templates();
const RelationTemplates& templates_of(std::string_view relation);   // llms::Error if unknown

// The sentence, first letter upper-cased ("hydrogen has ..." -> "Hydrogen has ..."); an object that
// ends with "." ("Washington D.C.") does not get a second one; "{s}'s" of a subject ending in "s"
// becomes "Bahamas'".
std::string render(std::string_view tmpl, const std::string& s, const std::string& o);

struct PromptAnswer {
    std::string prompt;   // "The capital of France is"
    std::string answer;   // " Paris"
};
// For a template ending with " {o}.": the rendered text before the answer and " " + object;
// nullopt for a template with the answer elsewhere.
std::optional<PromptAnswer> split_at_answer(std::string_view tmpl, const std::string& s, const std::string& o);

// The subject of a fact prompt rendered from the relation's first template ("The capital of France is" ->
// "France"); nullopt when the prompt is not that template's or the relation is unknown.
std::optional<std::string> subject_of_prompt(std::string_view relation, const std::string& prompt);

}  // namespace llms::corpus

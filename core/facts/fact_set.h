// What the user curates: facts and documents to forget, update or retain. Torch-free and Qt-free,
// so the UI's table model can hold it directly.
//
// JSONL, one object per line:
//   {"kind":"forget","prompt":"The capital of Australia is","answer":" Canberra"}
//   {"kind":"update","prompt":"...","answer":" <old>","new_answer":" <new>"}   (answer optional)
//   {"kind":"retain","prompt":"...","answer":" ..."}
//   optional on any fact: "paraphrases":[...], "options":[...], "id":"...", "tags":[...]
//   documents: {"kind":"forget|update|retain","text":"..."}
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llms::facts {

enum class Kind { Forget, Update, Retain };
std::string_view kind_name(Kind k);                  // "forget" | "update" | "retain"
std::optional<Kind> kind_from_name(std::string_view s);

struct Fact {
    Kind kind = Kind::Retain;
    std::string id;
    std::string prompt;
    std::string answer;        // forget/retain: the answer; update: the old answer (may be empty)
    std::string new_answer;    // update only
    std::string text;          // documents only (then prompt/answer are empty)
    std::vector<std::string> paraphrases;   // other prompts for the same fact (held out of training)
    std::vector<std::string> options;       // MCQA choices (answers), optional
    std::vector<std::string> tags;

    bool is_document() const { return !text.empty(); }
    bool operator==(const Fact&) const = default;
};

// One problem found while reading or validating: 1-based line (0 when not line-bound) and field.
struct Issue {
    int line = 0;
    std::string field;
    std::string message;
    int fact = -1;                           // 0-based index into FactSet::facts (-1 when not fact-bound)
    std::string to_string() const;           // "line 7, field \"answer\": must be a non-empty string"
};                                           // (no line: "fact 3, field ...": 1-based position)

struct FactSet {
    std::vector<Fact> facts;

    // Validation of the whole set (empty prompt, update without new_answer, duplicate ids, ...).
    std::vector<Issue> validate() const;
    size_t count(Kind k) const;
    bool operator==(const FactSet&) const = default;
};

// Readers never drop anything silently: any malformed line throws llms::Error listing every Issue
// (file name, line numbers and fields). Writers go through a temporary file renamed into place.
FactSet load_jsonl(const std::filesystem::path& path);
FactSet parse_jsonl(std::string_view text, const std::string& source_name = "<input>");
void save_jsonl(const FactSet& set, const std::filesystem::path& path);
std::string to_jsonl(const FactSet& set);

// CSV with header: kind,id,prompt,answer,new_answer,text,paraphrases,options,tags
// (RFC 4180 quoting; list fields joined with " | ").
FactSet load_csv(const std::filesystem::path& path);
FactSet parse_csv(std::string_view text, const std::string& source_name = "<input>");
void save_csv(const FactSet& set, const std::filesystem::path& path);
std::string to_csv(const FactSet& set);

// Validation and parse rules (every reader applies them; FactSet::validate() the set-level ones):
//   kind one of forget|update|retain; a document has non-empty "text" and no prompt/answer/new_answer/
//   paraphrases/options; a fact has a non-empty prompt; forget/retain need a non-empty answer and no
//   new_answer; update needs a non-empty new_answer different from answer; list entries non-empty;
//   options (when given) at least 2, no duplicates; ids unique when non-empty. JSONL also rejects
//   unknown or repeated keys and wrong types; CSV rejects unknown or repeated header columns.
// A writer output read back gives an identical FactSet (CSV writers throw for a list entry that
// cannot survive the " | " join).

// Picks the reader/writer by extension (.jsonl/.json or .csv); other extensions are an Error.
FactSet load_any(const std::filesystem::path& path);
void save_any(const FactSet& set, const std::filesystem::path& path);

}  // namespace llms::facts

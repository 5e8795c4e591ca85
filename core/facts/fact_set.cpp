// Kinds, issues, set-level validation and the extension-based reader/writer choice.
#include "core/facts/fact_set.h"

#include "core/common/error.h"
#include "core/facts/fact_rules.h"
#include "core/tokenizer/utf8.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace llms::facts {

std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::Forget: return "forget";
        case Kind::Update: return "update";
        case Kind::Retain: return "retain";
    }
    return "retain";
}

std::optional<Kind> kind_from_name(std::string_view s) {
    if (s == "forget") return Kind::Forget;
    if (s == "update") return Kind::Update;
    if (s == "retain") return Kind::Retain;
    return std::nullopt;
}

std::string Issue::to_string() const {
    std::string where;
    if (line > 0)
        where = "line " + std::to_string(line);
    else if (fact >= 0)
        where = "fact " + std::to_string(fact + 1);
    if (!field.empty()) {
        if (!where.empty()) where += ", ";
        where += "field \"" + field + "\"";
    }
    return where.empty() ? message : where + ": " + message;
}

namespace rules {

bool is_field(std::string_view name) {
    return std::find(kFields.begin(), kFields.end(), name) != kFields.end();
}

std::string allowed_fields() {
    std::string s;
    for (auto f : kFields) {
        if (!s.empty()) s += ", ";
        s += f;
    }
    return s;
}

static void add(std::vector<Issue>& out, int line, int index, std::string field, std::string message) {
    out.push_back(Issue{line, std::move(field), std::move(message), index});
}

static void check_list(const std::vector<std::string>& list, const char* field, int line, int index,
                       std::vector<Issue>& out) {
    for (size_t i = 0; i < list.size(); ++i)
        if (list[i].empty()) {
            add(out, line, index, field, "entry " + std::to_string(i + 1) + " is empty (remove it)");
            return;
        }
}

// Well-formed UTF-8 (core/tokenizer/utf8.h): the JSONL parser checks this itself; CSV fields and text typed
// elsewhere are checked here, so no invalid byte reaches a report.
static bool valid_utf8(std::string_view s) { return hf::first_invalid_utf8(s) == hf::kValidUtf8; }

void check_fact(const Fact& f, int line, int index, std::vector<Issue>& out) {
    const std::string kind(kind_name(f.kind));
    for (const auto& [field, text] : {std::pair<const char*, const std::string*>{"id", &f.id}, {"prompt", &f.prompt},
                                      {"answer", &f.answer}, {"new_answer", &f.new_answer}, {"text", &f.text}})
        if (!valid_utf8(*text)) add(out, line, index, field, "is not valid UTF-8 text (save the file as UTF-8)");
    for (const auto& [field, list] : {std::pair<const char*, const std::vector<std::string>*>{"paraphrases", &f.paraphrases},
                                      {"options", &f.options}, {"tags", &f.tags}})
        for (const auto& item : *list)
            if (!valid_utf8(item)) {
                add(out, line, index, field, "is not valid UTF-8 text (save the file as UTF-8)");
                break;
            }
    if (f.is_document()) {
        if (!f.prompt.empty()) add(out, line, index, "prompt", "a document (\"text\") takes no prompt; make it a fact or drop the prompt");
        if (!f.answer.empty()) add(out, line, index, "answer", "a document (\"text\") takes no answer");
        if (!f.new_answer.empty()) add(out, line, index, "new_answer", "a document (\"text\") takes no new_answer");
        if (!f.paraphrases.empty()) add(out, line, index, "paraphrases", "a document (\"text\") takes no paraphrases");
        if (!f.options.empty()) add(out, line, index, "options", "a document (\"text\") takes no options");
    } else {
        if (f.prompt.empty()) add(out, line, index, "prompt", "must be a non-empty string (or give \"text\" for a document)");
        if (f.kind == Kind::Update) {
            if (f.new_answer.empty())
                add(out, line, index, "new_answer", "an update needs a non-empty new_answer (the answer to learn)");
            else if (f.new_answer == f.answer)
                add(out, line, index, "new_answer", "equals answer; an update must change the answer");
        } else {
            if (f.answer.empty()) add(out, line, index, "answer", "a " + kind + " fact needs a non-empty answer");
            if (!f.new_answer.empty())
                add(out, line, index, "new_answer", "only update facts take new_answer (this one is " + kind + ")");
        }
        check_list(f.paraphrases, "paraphrases", line, index, out);
        check_list(f.options, "options", line, index, out);
        if (f.options.size() == 1) add(out, line, index, "options", "needs at least 2 choices (or none)");
        std::set<std::string> seen;
        for (const auto& o : f.options)
            if (!o.empty() && !seen.insert(o).second) {
                add(out, line, index, "options", "lists \"" + o + "\" twice");
                break;
            }
    }
    check_list(f.tags, "tags", line, index, out);
}

void check_duplicate_ids(const std::vector<Fact>& facts, const std::vector<int>& lines, std::vector<Issue>& out) {
    std::map<std::string, size_t> first;
    for (size_t i = 0; i < facts.size(); ++i) {
        const std::string& id = facts[i].id;
        if (id.empty()) continue;
        auto [it, inserted] = first.emplace(id, i);
        if (inserted) continue;
        const int l = i < lines.size() ? lines[i] : 0;
        const int first_line = it->second < lines.size() ? lines[it->second] : 0;
        const std::string where = first_line > 0 ? "line " + std::to_string(first_line)
                                                 : "fact " + std::to_string(it->second + 1);
        add(out, l, static_cast<int>(i), "id", "duplicate id \"" + id + "\" (first used on " + where + ")");
    }
}

std::string format_issues(const std::string& source, std::vector<Issue> issues) {
    std::stable_sort(issues.begin(), issues.end(), [](const Issue& a, const Issue& b) {
        return a.line != b.line ? a.line < b.line : a.fact < b.fact;
    });
    std::string msg = source + ": " + std::to_string(issues.size()) +
                      (issues.size() == 1 ? " problem" : " problems") + " in the fact file (fix and load again):";
    const size_t shown = std::min(issues.size(), kMaxListedIssues);
    for (size_t i = 0; i < shown; ++i) msg += "\n  " + issues[i].to_string();
    if (issues.size() > shown) msg += "\n  ... and " + std::to_string(issues.size() - shown) + " more";
    return msg;
}

void throw_issues(const std::string& source, std::vector<Issue> issues) {
    throw Error(format_issues(source, std::move(issues)));
}

}  // namespace rules

std::vector<Issue> FactSet::validate() const {
    std::vector<Issue> out;
    for (size_t i = 0; i < facts.size(); ++i) rules::check_fact(facts[i], 0, static_cast<int>(i), out);
    rules::check_duplicate_ids(facts, {}, out);
    std::stable_sort(out.begin(), out.end(), [](const Issue& a, const Issue& b) { return a.fact < b.fact; });
    return out;
}

size_t FactSet::count(Kind k) const {
    return static_cast<size_t>(std::count_if(facts.begin(), facts.end(), [k](const Fact& f) { return f.kind == k; }));
}

namespace {
enum class Format { Jsonl, Csv };

Format format_of(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".jsonl" || ext == ".json") return Format::Jsonl;
    if (ext == ".csv") return Format::Csv;
    throw Error("fact file " + path.string() + " has an unsupported extension \"" + ext +
                "\" (use .jsonl, .json or .csv)");
}
}  // namespace

FactSet load_any(const std::filesystem::path& path) {
    return format_of(path) == Format::Csv ? load_csv(path) : load_jsonl(path);
}

void save_any(const FactSet& set, const std::filesystem::path& path) {
    if (format_of(path) == Format::Csv)
        save_csv(set, path);
    else
        save_jsonl(set, path);
}

}  // namespace llms::facts

// JSONL fact files: one JSON object per line, blank lines skipped. Every problem on every line is
// collected (syntax, unknown or repeated keys, wrong types, content rules, duplicate ids) and
// reported together; a file with any problem loads nothing.
#include "core/facts/fact_set.h"

#include "core/common/error.h"
#include "core/facts/fact_rules.h"
#include "core/facts/text_file.h"
#include "core/io/json_input.h"

#include <nlohmann/json.hpp>

#include <set>

namespace llms::facts {

using nlohmann::json;

namespace {

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error ..." ->
// "invalid JSON at column 7: syntax error ..." (the line number is ours, the parser saw one line).
std::string describe_parse_error(const std::string& reason) {
    if (auto p = reason.find("column "); p != std::string::npos) return "invalid JSON at " + reason.substr(p);
    return "invalid JSON: " + reason;
}

struct LineReader {
    int line;
    int index;   // position the fact would take in the set
    std::vector<Issue> issues;
    std::set<std::string> fields;   // one problem per field and line is enough (a set: a line may hold 10^6 keys)

    void add(const std::string& field, std::string message) {
        if (!fields.insert(field).second) return;
        issues.push_back(Issue{line, field, std::move(message), index});
    }

    void read_string(const json& obj, const char* key, std::string& into) {
        auto it = obj.find(key);
        if (it == obj.end()) return;
        if (!it->is_string())
            add(key, std::string("must be a string, got ") + it->type_name());
        else
            into = it->get<std::string>();
    }

    void read_list(const json& obj, const char* key, std::vector<std::string>& into) {
        auto it = obj.find(key);
        if (it == obj.end()) return;
        if (!it->is_array()) {
            add(key, std::string("must be an array of strings, got ") + it->type_name());
            return;
        }
        for (size_t i = 0; i < it->size(); ++i) {
            const json& v = (*it)[i];
            if (!v.is_string()) {
                add(key, "must be an array of strings; entry " + std::to_string(i + 1) + " is " + v.type_name());
                return;
            }
            into.push_back(v.get<std::string>());
        }
    }

    Fact read(const json& obj, const std::vector<std::string>& repeated_keys) {
        Fact f;
        for (const auto& k : repeated_keys) add(k, "appears more than once in the object (keep one)");
        for (const auto& [key, value] : obj.items())
            if (!rules::is_field(key)) add(key, "unknown field (allowed: " + rules::allowed_fields() + ")");

        auto kind = obj.find("kind");
        if (kind == obj.end())
            add("kind", "missing (one of forget, update, retain)");
        else if (!kind->is_string())
            add("kind", std::string("must be a string (forget, update or retain), got ") + kind->type_name());
        else if (auto k = kind_from_name(kind->get<std::string>()))
            f.kind = *k;
        else
            add("kind", "unknown kind \"" + kind->get<std::string>() + "\" (expected forget, update or retain)");

        read_string(obj, "id", f.id);
        read_string(obj, "prompt", f.prompt);
        read_string(obj, "answer", f.answer);
        read_string(obj, "new_answer", f.new_answer);
        read_string(obj, "text", f.text);
        read_list(obj, "paraphrases", f.paraphrases);
        read_list(obj, "options", f.options);
        read_list(obj, "tags", f.tags);

        const bool has_text = obj.contains("text");
        if (has_text) {
            if (obj.contains("text") && obj["text"].is_string() && f.text.empty())
                add("text", "must be a non-empty string (a document's text)");
            for (const char* k : {"prompt", "answer", "new_answer", "paraphrases", "options"})
                if (obj.contains(k)) add(k, "a document (\"text\") takes no " + std::string(k));
        }
        if (!has_text || !f.text.empty()) {
            std::vector<Issue> content;
            rules::check_fact(f, line, index, content);
            for (auto& i : content) add(i.field, std::move(i.message));
        }
        return f;
    }
};

}  // namespace

FactSet parse_jsonl(std::string_view text, const std::string& source_name) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);   // UTF-8 byte order mark
    FactSet set;
    std::vector<int> lines;
    std::vector<Issue> issues;
    int line = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view s = text.substr(pos, end - pos);
        pos = end + 1;
        ++line;
        if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
        if (is_blank(s)) continue;

        LineReader r{line, static_cast<int>(set.facts.size()), {}, {}};
        std::set<std::string> keys;
        std::vector<std::string> repeated;
        const io::JsonKeyObserver cb = [&](int depth, const std::string& key) {
            if (depth == 1 && !keys.insert(key).second) repeated.push_back(key);
        };
        json obj;
        if (std::string reason; !io::try_parse_json_input(s, &obj, &reason, cb)) {
            issues.push_back(Issue{line, "", describe_parse_error(reason), -1});
            continue;
        }
        if (!obj.is_object()) {
            issues.push_back(Issue{line, "", std::string("must be a JSON object {...}, got ") + obj.type_name(), -1});
            continue;
        }
        Fact f = r.read(obj, repeated);
        if (!r.issues.empty()) {
            issues.insert(issues.end(), r.issues.begin(), r.issues.end());
            continue;
        }
        set.facts.push_back(std::move(f));
        lines.push_back(line);
    }
    rules::check_duplicate_ids(set.facts, lines, issues);
    if (!issues.empty()) rules::throw_issues(source_name, std::move(issues));
    return set;
}

FactSet load_jsonl(const std::filesystem::path& path) {
    return parse_jsonl(read_text_file(path, "fact file"), path.string());
}

std::string to_jsonl(const FactSet& set) {
    std::string out;
    for (size_t i = 0; i < set.facts.size(); ++i) {
        const Fact& f = set.facts[i];
        nlohmann::ordered_json j;
        j["kind"] = std::string(kind_name(f.kind));
        if (!f.id.empty()) j["id"] = f.id;
        if (!f.prompt.empty()) j["prompt"] = f.prompt;
        if (!f.answer.empty()) j["answer"] = f.answer;
        if (!f.new_answer.empty()) j["new_answer"] = f.new_answer;
        if (!f.text.empty()) j["text"] = f.text;
        if (!f.paraphrases.empty()) j["paraphrases"] = f.paraphrases;
        if (!f.options.empty()) j["options"] = f.options;
        if (!f.tags.empty()) j["tags"] = f.tags;
        try {
            out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        } catch (const nlohmann::json::type_error& e) {
            throw Error("fact " + std::to_string(i + 1) + (f.id.empty() ? "" : " (id \"" + f.id + "\")") +
                        " cannot be written as JSON: a string is not valid UTF-8 (re-enter the text)");
        }
        out += '\n';
    }
    return out;
}

void save_jsonl(const FactSet& set, const std::filesystem::path& path) {
    write_text_file_atomic(path, to_jsonl(set));
}

}  // namespace llms::facts

// CSV fact files (RFC 4180): a header row naming the columns, then one fact per record. Fields may
// be quoted ("..." with "" for a quote) and then hold commas and line breaks; list fields
// (paraphrases, options, tags) are joined with " | ". Problems are collected like the JSONL reader's,
// with the 1-based line on which the record starts.
#include "core/facts/fact_set.h"

#include "core/common/error.h"
#include "core/facts/fact_rules.h"
#include "core/facts/text_file.h"

#include <cctype>
#include <map>
#include <set>
#include <optional>

namespace llms::facts {

namespace {

struct Record {
    int line = 0;                 // line on which the record starts
    std::vector<std::string> fields;
};

// Splits the text into records; syntax problems go to `issues` (the record is still returned).
std::vector<Record> split_records(std::string_view t, std::vector<Issue>& issues) {
    std::vector<Record> records;
    size_t pos = 0;
    int line = 1;
    while (pos < t.size()) {
        Record rec;
        rec.line = line;
        bool bad = false;
        auto problem = [&](std::string message) {
            if (!bad) issues.push_back(Issue{rec.line, "", std::move(message), -1});
            bad = true;
        };
        bool end_of_record = false;
        while (!end_of_record) {
            std::string field;
            if (pos < t.size() && t[pos] == '"') {
                const int open_line = line;
                ++pos;
                bool closed = false;
                while (pos < t.size()) {
                    char c = t[pos++];
                    if (c == '"') {
                        if (pos < t.size() && t[pos] == '"') {
                            field += '"';
                            ++pos;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        if (c == '\n') ++line;
                        field += c;
                    }
                }
                if (!closed) {
                    problem("quoted field opened on line " + std::to_string(open_line) +
                            " is never closed (add the closing \")");
                    rec.fields.push_back(std::move(field));
                    records.push_back(std::move(rec));
                    return records;
                }
                // After the closing quote: a delimiter or the end.
                size_t stray = pos;
                while (pos < t.size() && t[pos] != ',' && t[pos] != '\n' && !(t[pos] == '\r' && pos + 1 < t.size() && t[pos + 1] == '\n'))
                    ++pos;
                if (pos != stray)
                    problem("text after a closing quote in field " + std::to_string(rec.fields.size() + 1) +
                            " (quote the whole field and write inner quotes as \"\")");
            } else {
                size_t start = pos;
                while (pos < t.size() && t[pos] != ',' && t[pos] != '\n' && !(t[pos] == '\r' && pos + 1 < t.size() && t[pos + 1] == '\n'))
                    ++pos;
                field.assign(t.substr(start, pos - start));
                if (field.find('"') != std::string::npos)
                    problem("a quote inside unquoted field " + std::to_string(rec.fields.size() + 1) +
                            " (quote the whole field and write inner quotes as \"\")");
            }
            rec.fields.push_back(std::move(field));
            if (pos >= t.size()) {
                end_of_record = true;
            } else if (t[pos] == ',') {
                ++pos;
            } else {   // "\n" or "\r\n"
                pos += t[pos] == '\r' ? 2 : 1;
                ++line;
                end_of_record = true;
            }
        }
        const bool blank = rec.fields.size() == 1 && !bad &&
                           rec.fields[0].find_first_not_of(" \t\r") == std::string::npos;
        if (!blank) records.push_back(std::move(rec));
    }
    return records;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    const std::string sep(rules::kListSeparator);
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        if (p == std::string::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + sep.size();
    }
}

std::string quote(const std::string& s) {
    const bool needs = s.find_first_of(",\"\r\n") != std::string::npos ||
                       (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) ||
                                       std::isspace(static_cast<unsigned char>(s.back()))));
    if (!needs) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

}  // namespace

FactSet parse_csv(std::string_view text, const std::string& source_name) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);   // UTF-8 byte order mark (spreadsheets)
    std::vector<Issue> issues;
    std::vector<Record> records = split_records(text, issues);
    if (records.empty())
        rules::throw_issues(source_name, {Issue{1, "", "no header row (expected: " + rules::allowed_fields() + ")", -1}});

    // Header: known, unique column names; "kind" required.
    const Record& header = records.front();
    std::map<std::string, size_t> column;
    std::vector<Issue> header_issues;
    for (size_t c = 0; c < header.fields.size(); ++c) {
        const std::string& name = header.fields[c];
        if (!rules::is_field(name))
            header_issues.push_back(Issue{header.line, name, "unknown column in the header (allowed: " + rules::allowed_fields() + ")", -1});
        else if (!column.emplace(name, c).second)
            header_issues.push_back(Issue{header.line, name, "column appears twice in the header", -1});
    }
    if (!column.count("kind"))
        header_issues.push_back(Issue{header.line, "kind", "the header has no \"kind\" column (expected: " + rules::allowed_fields() + ")", -1});
    if (!header_issues.empty()) {
        header_issues.insert(header_issues.end(), issues.begin(), issues.end());
        rules::throw_issues(source_name, std::move(header_issues));
    }

    FactSet set;
    std::vector<int> lines;
    std::set<int> syntax_bad;   // a set, not a scan of the issues per record: a million bad lines stay linear
    for (const auto& i : issues) syntax_bad.insert(i.line);
    for (size_t r = 1; r < records.size(); ++r) {
        const Record& rec = records[r];
        if (syntax_bad.count(rec.line)) continue;
        const int index = static_cast<int>(set.facts.size());
        if (rec.fields.size() != header.fields.size()) {
            issues.push_back(Issue{rec.line, "", "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                                                     std::to_string(header.fields.size()) + " (quote fields that contain commas)", index});
            continue;
        }
        auto get = [&](const char* name) -> std::string {
            auto it = column.find(name);
            return it == column.end() ? std::string() : rec.fields[it->second];
        };
        std::vector<Issue> mine;
        Fact f;
        const std::string kind = get("kind");
        if (kind.empty())
            mine.push_back(Issue{rec.line, "kind", "missing (one of forget, update, retain)", index});
        else if (auto k = kind_from_name(kind))
            f.kind = *k;
        else
            mine.push_back(Issue{rec.line, "kind", "unknown kind \"" + kind + "\" (expected forget, update or retain)", index});
        f.id = get("id");
        f.prompt = get("prompt");
        f.answer = get("answer");
        f.new_answer = get("new_answer");
        f.text = get("text");
        f.paraphrases = split_list(get("paraphrases"));
        f.options = split_list(get("options"));
        f.tags = split_list(get("tags"));
        rules::check_fact(f, rec.line, index, mine);
        if (!mine.empty()) {
            issues.insert(issues.end(), mine.begin(), mine.end());
            continue;
        }
        set.facts.push_back(std::move(f));
        lines.push_back(rec.line);
    }
    rules::check_duplicate_ids(set.facts, lines, issues);
    if (!issues.empty()) rules::throw_issues(source_name, std::move(issues));
    return set;
}

FactSet load_csv(const std::filesystem::path& path) {
    return parse_csv(read_text_file(path, "fact file"), path.string());
}

std::string to_csv(const FactSet& set) {
    std::string out;
    for (size_t c = 0; c < rules::kFields.size(); ++c) {
        if (c) out += ',';
        out += rules::kFields[c];
    }
    out += "\r\n";
    for (size_t i = 0; i < set.facts.size(); ++i) {
        const Fact& f = set.facts[i];
        auto join = [&](const std::vector<std::string>& list, const char* field) {
            std::string s;
            for (size_t k = 0; k < list.size(); ++k) {
                if (k) s += rules::kListSeparator;
                s += list[k];
            }
            if (split_list(s) != list)
                throw Error("fact " + std::to_string(i + 1) + (f.id.empty() ? "" : " (id \"" + f.id + "\")") + ": field \"" +
                            field + "\" cannot be written to CSV: an entry is empty or contains \" | \" (save as .jsonl instead)");
            return s;
        };
        const std::string row[] = {std::string(kind_name(f.kind)), f.id, f.prompt, f.answer, f.new_answer, f.text,
                                   join(f.paraphrases, "paraphrases"), join(f.options, "options"), join(f.tags, "tags")};
        for (size_t c = 0; c < std::size(row); ++c) {
            if (c) out += ',';
            out += quote(row[c]);
        }
        out += "\r\n";
    }
    return out;
}

void save_csv(const FactSet& set, const std::filesystem::path& path) {
    write_text_file_atomic(path, to_csv(set));
}

}  // namespace llms::facts

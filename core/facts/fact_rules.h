// The rules every fact reader and FactSet::validate() share (internal to core/facts).
#pragma once
#include "core/facts/fact_set.h"

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace llms::facts::rules {

// The fields of a fact, in the order the writers emit them (also the CSV header).
inline constexpr std::array<std::string_view, 9> kFields = {
    "kind", "id", "prompt", "answer", "new_answer", "text", "paraphrases", "options", "tags"};
inline constexpr std::string_view kListSeparator = " | ";   // CSV list fields
inline constexpr size_t kMaxListedIssues = 20;              // longer reports end with "... and N more"

bool is_field(std::string_view name);
std::string allowed_fields();   // "kind, id, prompt, ..." for messages

// Appends what is wrong with one fact (content rules, not syntax). line: 1-based source line or 0;
// index: position in the set.
void check_fact(const Fact& f, int line, int index, std::vector<Issue>& out);

// Appends one Issue per repeated non-empty id, on the later occurrence. lines[i]: line of facts[i] or 0.
void check_duplicate_ids(const std::vector<Fact>& facts, const std::vector<int>& lines, std::vector<Issue>& out);

// "<source>: N problems in the fact file (fix them and load again):\n  line 3, field ...\n  ... and N more"
std::string format_issues(const std::string& source, std::vector<Issue> issues);
[[noreturn]] void throw_issues(const std::string& source, std::vector<Issue> issues);

}  // namespace llms::facts::rules

#include "core/corpus/world_data.h"

#include "core/common/error.h"
#include "core/facts/text_file.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace llms::corpus {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) return out;
        start = p + 1;
    }
}

std::string trim(std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return "";
    const size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// Lines of a data file, "\r" stripped, the last one without "\n" included, empty ones dropped.
std::vector<std::string> read_lines(const fs::path& path) {
    const std::string text = facts::read_text_file(path, "world data file");
    std::vector<std::string> lines;
    for (auto& l : split(text, '\n')) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (!l.empty()) lines.push_back(std::move(l));
    }
    return lines;
}

// A TSV file whose first line must be exactly `header`; rows must have as many columns.
std::vector<std::vector<std::string>> read_tsv(const fs::path& path, std::string_view header) {
    std::vector<std::string> lines = read_lines(path);
    if (lines.empty() || lines[0] != header)
        throw Error("world data file " + path.string() + " does not start with the header \"" + std::string(header) +
                    "\" (is resources/world complete and unmodified?)");
    const size_t columns = split(header, '\t').size();
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 1; i < lines.size(); ++i) {
        auto row = split(lines[i], '\t');
        if (row.size() < columns)
            throw Error("world data file " + path.string() + ", line " + std::to_string(i + 1) + ": " +
                        std::to_string(row.size()) + " columns, expected " + std::to_string(columns));
        rows.push_back(std::move(row));
    }
    return rows;
}

// A value fit for a one-line fact: no notes, units, numbers or lists; not too long.
bool is_clean(const std::string& v) {
    if (v.empty() || v.size() > 40) return false;
    for (unsigned char c : v)
        if ((c >= '0' && c <= '9') || std::string_view("()[]{};,/\"|:").find(static_cast<char>(c)) != std::string_view::npos)
            return false;
    return true;
}

// Curly quotes to ASCII, every run of whitespace to one space, trimmed.
std::string normalize(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 3, "\xE2\x80\x98") == 0 || s.compare(i, 3, "\xE2\x80\x99") == 0) {
            out += '\'';
            i += 2;
        } else if (s.compare(i, 3, "\xE2\x80\x9C") == 0 || s.compare(i, 3, "\xE2\x80\x9D") == 0) {
            out += '"';
            i += 2;
        } else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += s[i];
        }
    }
    return trim(out);
}

// Collects candidate values per (relation, subject), then keeps the subjects with exactly one.
class TripleCollector {
public:
    void add(const std::string& relation, const std::string& subject, const std::string& object) {
        if (!is_clean(subject) || !is_clean(object)) {
            ++unclean_[relation];
            return;
        }
        values_[{relation, subject}].insert(object);
    }
    void drop(const std::string& relation) { ++unclean_[relation]; }
    void finish(std::vector<Triple>& out, std::map<std::string, size_t>& unclean,
                std::map<std::string, size_t>& ambiguous) {
        for (const auto& [key, objects] : values_) {
            if (objects.size() == 1)
                out.push_back({key.first, key.second, *objects.begin()});
            else
                ++ambiguous[key.first];
        }
        for (const auto& [r, n] : unclean_) unclean[r] += n;
    }

private:
    std::map<std::pair<std::string, std::string>, std::set<std::string>> values_;
    std::map<std::string, size_t> unclean_;
};

void read_countries(const fs::path& dir, TripleCollector& c) {
    // Country relations from the countries-list rows: their names are current English names.
    const std::map<std::string, std::string> relations = {
        {"capital", "capital"}, {"continent", "continent"}, {"currency", "currency"}, {"official_language", "language"}};
    size_t used = 0;
    for (const auto& row : read_tsv(dir / "triples.tsv", "subject\trelation\tobject\tsource\tlicense")) {
        if (row[3].rfind("npm:countries-list@", 0) != 0) continue;
        auto it = relations.find(row[1]);
        if (it == relations.end()) continue;
        if (it->second == "continent" && row[0] == row[2]) continue;   // Antarctica is not "located in" itself
        c.add(it->second, row[0], row[2]);
        ++used;
    }
    if (used == 0)
        throw Error("world data file " + (dir / "triples.tsv").string() + " has no countries-list rows (is it complete?)");
}

void read_states(const fs::path& dir, TripleCollector& c) {
    size_t used = 0;
    for (const auto& row : read_tsv(dir / "bsdgames_quiz.tsv", "file\tfields\tvalues")) {
        if (row[0] != "state") continue;
        const auto names = split(row[1], '|');
        const auto values = split(row[2], '|');
        if (names.size() < 2 || names[0] != "state" || names[1] != "capital" || values.size() != names.size())
            throw Error("world data file " + (dir / "bsdgames_quiz.tsv").string() + ": a \"state\" row is not state|capital|...");
        c.add("state_capital", values[0], values[1]);
        ++used;
    }
    if (used == 0) throw Error("world data file " + (dir / "bsdgames_quiz.tsv").string() + " has no US state rows");
}

void read_elements(const fs::path& dir, TripleCollector& c) {
    // Only named elements 1-118 with a one- or two-letter symbol: drops the obsolete systematic
    // placeholders (unnilquadium Unq, ununbium Uub, ...) and number-less entries (deuterium D).
    for (const auto& row : read_tsv(dir / "dict_elements.tsv", "element\tsymbol\tnumber\tweight\tdescription")) {
        const std::string& sym = row[1];
        const bool symbol_ok = (sym.size() == 1 || sym.size() == 2) && sym[0] >= 'A' && sym[0] <= 'Z' &&
                               (sym.size() == 1 || (sym[1] >= 'a' && sym[1] <= 'z'));
        int number = 0;
        for (char ch : row[2]) number = (ch >= '0' && ch <= '9' && number < 1000) ? number * 10 + (ch - '0') : -1;
        if (!symbol_ok || number < 1 || number > 118)
            c.drop("element_symbol");
        else
            c.add("element_symbol", row[0], sym);
    }
}

// Nationality adjectives the people list uses for real nationalities (its first column also holds
// titles and groups such as "Pope", "King", "Nazi", "Confederate").
const std::set<std::string>& nationality_adjectives() {
    static const std::set<std::string> s = {
        "Albanian", "American", "Argentine", "Armenian", "Australian", "Austrian", "Belgian", "Brazilian",
        "British", "Canadian", "Chilean", "Chinese", "Cuban", "Czech", "Danish", "Dutch", "Egyptian",
        "English", "Finnish", "Flemish", "French", "German", "Greek", "Hungarian", "Indian", "Indonesian",
        "Irish", "Israeli", "Italian", "Jamaican", "Japanese", "Kenyan", "Mexican", "Mongolian", "Norwegian",
        "Palestinian", "Persian", "Polish", "Portuguese", "Prussian", "Romanian", "Russian", "Scottish",
        "Soviet", "Spanish", "Swedish", "Swiss", "Turkish", "Vietnamese", "Welsh"};
    return s;
}

std::vector<Person> read_people(const fs::path& dir, std::map<std::string, size_t>& unclean,
                                std::map<std::string, size_t>& ambiguous) {
    std::map<std::string, std::vector<Person>> by_name;
    for (const auto& row : read_tsv(dir / "wordnet_people.tsv", "name\tnationality\tprofession\tbirth\tdeath")) {
        Person p{row[0], row[1] == "United States" ? "American" : row[1], row[2]};
        const bool one_word = !p.profession.empty() &&
                              std::all_of(p.profession.begin(), p.profession.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
        if (!is_clean(p.name) || !nationality_adjectives().count(p.nationality) || !one_word) {
            ++unclean["people"];
            continue;
        }
        by_name[p.name].push_back(std::move(p));
    }
    std::vector<Person> people;
    for (auto& [name, list] : by_name) {
        if (list.size() == 1)
            people.push_back(std::move(list[0]));
        else
            ++ambiguous["people"];   // two people of one name: which one a sentence means is unclear
    }
    return people;
}

bool is_abbreviation(std::string_view word) {
    static const std::set<std::string_view> known = {
        "Mr", "Mrs", "Ms", "Dr", "St", "Sr", "Jr", "Gen", "Lt", "Col", "Capt", "Maj", "Sgt", "Adm", "Gov", "Sen",
        "Rep", "Rev", "Prof", "Mt", "Ft", "No", "Co", "Corp", "Inc", "Ltd", "vs", "etc", "approx", "ca",
        "Jan", "Feb", "Mar", "Apr", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec"};
    if (word.size() == 1) return true;                                   // initials: "A. Smith"
    if (word.find('.') != std::string_view::npos) return true;          // "U.S", "B.C", "A.D"
    return known.count(word) > 0;
}

std::vector<std::string> read_factbook(const fs::path& dir) {
    const fs::path path = dir / "factbook_background.txt";
    std::vector<std::string> sentences;
    size_t paragraphs = 0;
    for (const auto& line : read_lines(path)) {
        // "Country: paragraph" — the country prefix is no sentence.
        std::string_view text = line;
        if (auto colon = text.find(": "); colon != std::string_view::npos && colon < 80) text.remove_prefix(colon + 2);
        for (auto& s : split_sentences(std::string(text))) sentences.push_back(std::move(s));
        ++paragraphs;
    }
    if (paragraphs == 0) throw Error("world data file " + path.string() + " is empty");
    return sentences;
}

std::vector<std::string> read_glosses(const fs::path& dir) {
    const fs::path path = dir / "wordnet_instance_glosses.txt";
    std::vector<std::string> out;
    for (const auto& line : read_lines(path)) {
        std::string g = normalize(line);
        if (g.find(": ") == std::string::npos)
            throw Error("world data file " + path.string() + ": line \"" + g.substr(0, 60) + "\" is not \"Name: definition\"");
        if (g.back() != '.') g += '.';
        out.push_back(std::move(g));
    }
    return out;
}

void require_files(const fs::path& dir) {
    for (const char* f : {"SOURCES.md", "triples.tsv", "bsdgames_quiz.tsv", "dict_elements.tsv", "wordnet_people.tsv",
                          "factbook_background.txt", "wordnet_instance_glosses.txt"})
        if (!fs::is_regular_file(dir / f))
            throw Error("world data folder " + dir.string() + " has no " + f +
                        " (point --data at resources/world of the source tree or share/llm-surgery/world)");
}

}  // namespace

std::vector<std::string> split_sentences(const std::string& paragraph) {
    const std::string p = normalize(paragraph);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        const char c = p[i];
        if (c != '.' && c != '!' && c != '?') continue;
        size_t j = i + 1;
        if (j < p.size() && (p[j] == '"' || p[j] == '\'' || p[j] == ')')) ++j;   // closing quote or bracket
        if (j >= p.size()) break;
        if (p[j] != ' ' || j + 1 >= p.size()) continue;
        const char next = p[j + 1];
        if (!((next >= 'A' && next <= 'Z') || next == '"' || (next >= '0' && next <= '9'))) continue;
        if (c == '.') {
            size_t w = i;
            while (w > start && p[w - 1] != ' ') --w;
            if (is_abbreviation(std::string_view(p).substr(w, i - w))) continue;
        }
        out.push_back(p.substr(start, j - start));
        start = j + 1;
    }
    if (start < p.size()) out.push_back(p.substr(start));
    return out;
}

WorldData read_world_data(const fs::path& dir) {
    require_files(dir);
    WorldData d;
    TripleCollector c;
    read_countries(dir, c);
    read_states(dir, c);
    read_elements(dir, c);
    c.finish(d.triples, d.dropped_unclean, d.dropped_ambiguous);
    d.people = read_people(dir, d.dropped_unclean, d.dropped_ambiguous);

    // Prose: unique lines only (a held-out line must never reappear in training), short ones dropped.
    std::set<std::string> seen;
    for (auto& s : read_factbook(dir))
        if (s.size() >= 30 && seen.insert(s).second) d.factbook.push_back(std::move(s));
    for (auto& g : read_glosses(dir))
        if (g.size() >= 30 && seen.insert(g).second) d.glosses.push_back(std::move(g));
    return d;
}

}  // namespace llms::corpus

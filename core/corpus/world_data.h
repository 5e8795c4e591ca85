// Reads resources/world into clean (relation, subject, object) facts and prose lines. Quirks of the
// sources handled here (see resources/world/SOURCES.md): values with notes, units or lists are
// dropped; a subject with two different clean values for one relation is skipped as ambiguous;
// country facts come from the countries-list rows only (country-json capitals are sometimes
// native or old names); obsolete element placeholders (Unq, Uub, ...) are dropped.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace llms::corpus {

struct Triple {
    std::string relation;   // one of relation_names() (templates.h)
    std::string subject;
    std::string object;
};

struct Person {
    std::string name;
    std::string nationality;   // adjective: "Finnish", "American"
    std::string profession;    // one lowercase word: "architect"
};

struct WorldData {
    std::vector<Triple> triples;        // clean and unambiguous, by relation then subject (byte order)
    std::vector<Person> people;         // clean, unique names, sorted by name
    std::vector<std::string> factbook;  // Factbook background sentences, normalized, unique, source order
    std::vector<std::string> glosses;   // "Name: definition." lines, unique, not in factbook
    std::map<std::string, size_t> dropped_unclean;     // values dropped per relation (notes, units, lists)
    std::map<std::string, size_t> dropped_ambiguous;   // subjects skipped per relation
};

// llms::Error naming the file if one is missing or does not have the expected columns.
WorldData read_world_data(const std::filesystem::path& dir);

// Exposed for tests: sentence split of one Factbook paragraph (abbreviations such as "U.S." and
// "B.C." do not end a sentence); quotes normalized to ASCII, whitespace collapsed.
std::vector<std::string> split_sentences(const std::string& paragraph);

}  // namespace llms::corpus

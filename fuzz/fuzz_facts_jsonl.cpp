// Fuzzes JSONL fact files: the input goes to facts::parse_jsonl (one JSON object per line, keys, types, content
// rules, duplicate ids), which must return or throw llms::Error. An accepted set must pass FactSet::validate(),
// and the writers must give it back: to_jsonl() read back with parse_jsonl, and to_csv() (when the CSV writer
// takes it; it refuses list entries that " | " cannot carry) read back with parse_csv, are equal to it. Torch-free.
#include "core/common/error.h"
#include "core/facts/fact_set.h"
#include "fuzz/fuzz_common.h"

#include <string_view>

using namespace llms;
using namespace llms::facts;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    FactSet set;
    try {
        set = parse_jsonl(text, "facts.jsonl");
    } catch (const Error& e) {
        fuzz::refused(e);
        return 0;
    }
    fuzz::accepted();
    fuzz::check(set.validate().empty(), "parse_jsonl accepted a set that validate() refuses");
    try {
        fuzz::check(parse_jsonl(to_jsonl(set), "round trip") == set, "to_jsonl -> parse_jsonl changes the set");
    } catch (const Error& e) {
        fuzz::fail((std::string("to_jsonl -> parse_jsonl refuses an accepted set: ") + e.what()).c_str());
    }
    std::string csv;
    try {
        csv = to_csv(set);
    } catch (const Error&) {
        return 0;   // a list entry that " | " cannot carry: refused by design
    }
    try {
        fuzz::check(parse_csv(csv, "round trip") == set, "to_csv -> parse_csv changes the set");
    } catch (const Error& e) {
        fuzz::fail((std::string("to_csv -> parse_csv refuses an accepted set: ") + e.what()).c_str());
    }
    return 0;
}

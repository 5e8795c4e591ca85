// Fuzzes CSV fact files: the input goes to facts::parse_csv (RFC 4180 records, header columns, " | " lists,
// content rules, duplicate ids), which must return or throw llms::Error. An accepted set must pass
// FactSet::validate(), and the writers must give it back: to_csv() (unless it refuses a list entry that " | "
// cannot carry) read back with parse_csv, and to_jsonl() (unless a string is not valid UTF-8, which JSON cannot
// hold) read back with parse_jsonl, are equal to it. Torch-free.
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
        set = parse_csv(text, "facts.csv");
    } catch (const Error& e) {
        fuzz::refused(e);
        return 0;
    }
    fuzz::accepted();
    fuzz::check(set.validate().empty(), "parse_csv accepted a set that validate() refuses");
    std::string csv;
    bool csv_ok = true;
    try {
        csv = to_csv(set);
    } catch (const Error&) {
        csv_ok = false;   // a list entry that " | " cannot carry: refused by design
    }
    if (csv_ok) {
        try {
            fuzz::check(parse_csv(csv, "round trip") == set, "to_csv -> parse_csv changes the set");
        } catch (const Error& e) {
            fuzz::fail((std::string("to_csv -> parse_csv refuses an accepted set: ") + e.what()).c_str());
        }
    }
    std::string jsonl;
    try {
        jsonl = to_jsonl(set);
    } catch (const Error&) {
        return 0;   // a string that is not valid UTF-8: refused by design
    }
    try {
        fuzz::check(parse_jsonl(jsonl, "round trip") == set, "to_jsonl -> parse_jsonl changes the set");
    } catch (const Error& e) {
        fuzz::fail((std::string("to_jsonl -> parse_jsonl refuses an accepted set: ") + e.what()).c_str());
    }
    return 0;
}

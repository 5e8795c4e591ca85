// Fuzzes project files (.llmsproj, also the GUI's autosave): the input goes to session::project_from_json (JSON,
// format and version, facts, surgery settings, probe settings, runs with metrics and reports), which must return
// or throw llms::Error. An accepted project without reports must survive project_to_json -> project_from_json
// unchanged. (A report's JSON writer, eval::Report::to_json, lives in the torch part of the core: this torch-free
// harness links report_stub.cpp instead, so projects holding a report are only parsed.)
#include "core/common/error.h"
#include "core/session/project_file.h"
#include "fuzz/fuzz_common.h"

#include <string>

using namespace llms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    session::Project p;
    try {
        p = session::project_from_json(text, "fuzz.llmsproj");
    } catch (const Error& e) {
        fuzz::refused(e);
        return 0;
    }
    fuzz::accepted();
    for (const auto& r : p.runs)
        if (r.report) return 0;   // writing it back needs the real eval::Report::to_json
    try {
        const std::string again = session::project_to_json(p);
        fuzz::check(session::project_from_json(again, "round trip") == p,
                    "project_to_json -> project_from_json changes the project");
    } catch (const Error& e) {
        fuzz::fail((std::string("project_to_json -> project_from_json refuses an accepted project: ") + e.what()).c_str());
    }
    return 0;
}

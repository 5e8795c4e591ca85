#include "app/cli/edit_progress.h"

#include <cstdio>

namespace llms::cli {

void draw_edit_progress(ProgressLine& bar, const edit::EditProgress& p) {
    static const char* kUnits[] = {"facts", "tokens", "facts", "steps"};
    const char* unit = kUnits[(int)p.stage];
    if (p.stage == edit::EditProgress::Stage::Update && p.detail.rfind("layer", 0) == 0) unit = "layers";
    else if (p.stage == edit::EditProgress::Stage::Update) unit = "facts";
    const double eta = p.done > 0 ? p.seconds / p.done * (p.total - p.done) : 0;
    char line[400];
    std::snprintf(line, sizeof line, "%s%s%s%s  %lld/%lld %s  ETA ≤%s", edit::stage_name(p.stage),
                  p.detail.empty() ? "" : " (", p.detail.substr(0, 60).c_str(), p.detail.empty() ? "" : ")",
                  (long long)p.done, (long long)p.total, unit, format_duration(eta).c_str());
    bar.update(line, p.done == p.total);
}

}  // namespace llms::cli

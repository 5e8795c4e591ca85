// The progress line of a closed-form edit (surgery --method rome|memit, trace): stage, done / total, ETA.
#pragma once
#include "app/cli/progress_line.h"
#include "core/edit/edit_types.h"

#include <string>

namespace llms::cli {

// "key covariance (layer 2)  12000/20000 tokens  ETA ≤0:03"
void draw_edit_progress(ProgressLine& bar, const edit::EditProgress& p);

}  // namespace llms::cli

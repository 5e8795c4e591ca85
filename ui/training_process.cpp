#include "ui/training_process.h"

#include "core/pretrain/pretrain.h"

#include <cstdlib>
#include <unistd.h>

namespace llms::ui {

void prepareTrainingProcess(char** argv) {
    if (!std::getenv("OMP_WAIT_POLICY") && setenv("OMP_WAIT_POLICY", "PASSIVE", 1) == 0)
        execv("/proc/self/exe", argv);   // returns only on failure: carry on with the default policy
    pretrain::tune_malloc_for_training();
}

}  // namespace llms::ui

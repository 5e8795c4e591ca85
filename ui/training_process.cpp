#include "ui/training_process.h"

#include "core/common/thread_wait_policy.h"
#include "core/pretrain/pretrain.h"

namespace llms::ui {

void prepareTrainingProcess(char** argv) {
    reexec_with_thread_wait_policy(argv);
    pretrain::tune_malloc_for_training();
}

}  // namespace llms::ui

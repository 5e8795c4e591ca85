#include "ui/training_process.h"

#include "core/common/thread_wait_policy.h"
#include "core/pretrain/pretrain.h"

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace llms::ui {

void prepareTrainingProcess(char** argv) {
    std::error_code ec;
    // The real path (not /proc/self/exe): the process keeps its name in ps and task managers.
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && choose_thread_wait_policy())
        execv(exe.c_str(), argv);   // returns only on failure: carry on with the default policy
    pretrain::tune_malloc_for_training();
}

}  // namespace llms::ui

// Process set-up for training from a GUI process, as the CLI does for its training commands: the OpenMP thread
// wait policy (core/common/thread_wait_policy.h), which libgomp reads only at start-up, so the program
// re-executes itself once with it set unless the user chose a policy; and the malloc tunables of
// pretrain::tune_malloc_for_training(). Call first thing in main(), before any thread exists.
#pragma once

namespace llms::ui {

void prepareTrainingProcess(char** argv);   // returns only when no re-exec happened

}  // namespace llms::ui

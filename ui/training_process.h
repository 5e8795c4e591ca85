// Process set-up for training from a GUI process (as the CLI does for its training commands): libgomp
// busy-waits between LibTorch's parallel regions, and on a busy machine a spinning thread that loses its core
// stalls every barrier (measured here: a 12-step tiny-model surgery took 147 s instead of 4 s with two OpenMP
// threads while other processes compiled). libgomp reads OMP_WAIT_POLICY only at start-up, so the program
// re-executes itself once with OMP_WAIT_POLICY=PASSIVE unless the user chose a policy. Also applies the malloc
// tunables of pretrain::tune_malloc_for_training(). Call first thing in main(), before any thread exists.
#pragma once

namespace llms::ui {

void prepareTrainingProcess(char** argv);   // returns only when no re-exec happened

}  // namespace llms::ui

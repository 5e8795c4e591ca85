// Process set-up for long CPU training runs (pretrain, demo-model).
//
// libgomp busy-waits between LibTorch's parallel regions. When other processes compete for the cores (a
// desktop, a compile), a spinning thread that loses its core stalls every barrier: measured 5x slower
// training on a busy 2-core machine, against 1.0x with OMP_WAIT_POLICY=PASSIVE. libgomp reads that variable
// only at start-up, so the command re-executes itself once with it set (unless the user chose a policy).
// Also applies the malloc tunables of pretrain::tune_malloc_for_training().
#pragma once
#include <string>
#include <vector>

namespace llms::cli {

// subcommand and args: the command line after the program name. Returns only when no re-exec happened
// (the policy was already set, or exec failed: then training runs with the default policy).
void prepare_training_process(const std::string& subcommand, const std::vector<std::string>& args);

}  // namespace llms::cli

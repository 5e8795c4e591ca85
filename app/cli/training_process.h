// Process set-up for the CLI's training commands (surgery, pretrain, demo-model, bench).
//
// The OpenMP thread wait policy (core/common/thread_wait_policy.h): libgomp reads it only at start-up, so the
// command re-executes itself once with it set (unless the user chose a policy). Also applies the malloc
// tunables of pretrain::tune_malloc_for_training().
#pragma once
#include <string>
#include <vector>

namespace llms::cli {

// subcommand and args: the command line after the program name. Re-executes the command with the thread wait
// policy set; returns only when no re-exec happened (the policy was already set, or exec failed: then the
// command runs with libgomp's default policy). Call before anything is printed.
void apply_thread_wait_policy(const std::string& subcommand, const std::vector<std::string>& args);

// apply_thread_wait_policy, then the malloc tunables.
void prepare_training_process(const std::string& subcommand, const std::vector<std::string>& args);

}  // namespace llms::cli

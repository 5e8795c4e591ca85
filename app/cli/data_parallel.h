// The CLI's side of data parallel (core/distributed/process_group.h), shared by `surgery` and `pretrain`.
#pragma once
#include "app/cli/command.h"
#include "core/distributed/process_group.h"

#include <optional>
#include <string>
#include <vector>

namespace llms::cli {

// --nproc N: runs `subcommand args` (the option removed) as N ranks on this machine and returns their exit status
// (dist::run_ranks); nullopt without --nproc. Error when this process is already a rank (torchrun's WORLD_SIZE > 1).
std::optional<int> run_ranks_if_asked(const Args& a, const dist::LaunchEnv& launch, const std::string& subcommand,
                                      const std::vector<std::string>& args);

extern const char* const kNprocHelp;   // the --nproc line of the commands' help

}  // namespace llms::cli

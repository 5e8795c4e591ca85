#include "app/cli/data_parallel.h"

#include "core/common/error.h"

namespace llms::cli {

std::optional<int> run_ranks_if_asked(const Args& a, const dist::LaunchEnv& launch, const std::string& subcommand,
                                      const std::vector<std::string>& args) {
    if (!a.has("nproc")) return std::nullopt;
    if (launch.distributed())
        throw Error("--nproc starts the ranks itself: give it without torchrun (WORLD_SIZE is set here)");
    std::vector<std::string> rank_args{subcommand};
    for (size_t i = 0; i < args.size(); ++i)
        if (args[i] == "--nproc") ++i;   // and its value
        else rank_args.push_back(args[i]);
    return dist::run_ranks(a.get_int("nproc", 1), rank_args, dist::collective_timeout());
}

const char* const kNprocHelp =
    "  --nproc N           data parallel on this machine: N ranks (processes) share each step's batch and sum\n"
    "                      their gradients (c10d, Gloo); OMP_NUM_THREADS = cores / N unless set. Same losses as\n"
    "                      one process. Under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) each\n"
    "                      process is one rank: README \"Data parallel\". LLMS_DIST_TIMEOUT_S (default 300): how\n"
    "                      long a rank waits for the others before it fails\n";

}  // namespace llms::cli

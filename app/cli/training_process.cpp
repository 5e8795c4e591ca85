#include "app/cli/training_process.h"

#include "core/common/thread_wait_policy.h"
#include "core/pretrain/pretrain.h"

#include <cerrno>   // program_invocation_name (glibc)
#include <string>
#include <vector>

namespace llms::cli {

void apply_thread_wait_policy(const std::string& subcommand, const std::vector<std::string>& args) {
    std::vector<std::string> all{program_invocation_name, subcommand};   // argv[0] as this process got it
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    reexec_with_thread_wait_policy(argv.data());
}

void prepare_training_process(const std::string& subcommand, const std::vector<std::string>& args) {
    apply_thread_wait_policy(subcommand, args);
    pretrain::tune_malloc_for_training();
}

}  // namespace llms::cli

#include "app/cli/training_process.h"

#include "core/common/thread_wait_policy.h"
#include "core/pretrain/pretrain.h"

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace llms::cli {

void apply_thread_wait_policy(const std::string& subcommand, const std::vector<std::string>& args) {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && choose_thread_wait_policy()) {
        std::vector<std::string> all{exe.string(), subcommand};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(exe.c_str(), argv.data());   // returns only on failure: carry on in this process
    }
}

void prepare_training_process(const std::string& subcommand, const std::vector<std::string>& args) {
    apply_thread_wait_policy(subcommand, args);
    pretrain::tune_malloc_for_training();
}

}  // namespace llms::cli

// llm-surgery-cli: the headless front end of the same core the desktop app uses.
#include "app/cli/command.h"
#include "core/common/error.h"

#include <cstdio>
#include <exception>
#include <iostream>

static void print_commands() {
    std::cout << "usage: llm-surgery-cli <command> [options]   (llm-surgery-cli <command> --help)\n"
                 "       llm-surgery-cli --version\n\ncommands:\n";
    for (const auto& [name, c] : llms::cli::registry())
        std::printf("  %-10s %s\n", name.c_str(), c.summary.c_str());
}

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--version") {
        std::cout << "llm-surgery-cli " << LLMS_VERSION << "\n";
        return 0;
    }
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
        std::string(argv[1]) == "help") {
        print_commands();
        return argc < 2 ? 2 : 0;
    }
    auto& reg = llms::cli::registry();
    auto it = reg.find(argv[1]);
    if (it == reg.end()) {
        std::cerr << "llm-surgery-cli: unknown command \"" << argv[1] << "\" (run llm-surgery-cli --help)\n";
        return 2;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            std::cout << it->second.usage;
            return 0;
        }
    try {
        return it->second.run(args);
    } catch (const llms::Error& e) {
        std::cerr << "llm-surgery-cli " << argv[1] << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        // A library's message (LibTorch appends a C++ backtrace after the first line): its first line only.
        const std::string what = e.what();
        std::cerr << "llm-surgery-cli " << argv[1] << ": unexpected error: " << what.substr(0, what.find('\n')) << "\n";
        return 1;
    }
}

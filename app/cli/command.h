// llm-surgery-cli subcommands: each lives in its own cmd_<name>.cpp and registers itself with
// a static CommandRegistrar. main.cpp dispatches, prints errors as one line and sets the exit code.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llms::cli {

// Parsed "--key value", "--flag" and positional arguments of one subcommand.
class Args {
public:
    // flags: options that take no value (e.g. "json"). Everything else starting with "--" takes one.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& flags);

    const std::vector<std::string>& positional() const { return positional_; }
    bool has(const std::string& key) const { return values_.count(key) > 0; }
    bool flag(const std::string& key) const { return has(key); }
    std::string get(const std::string& key, const std::string& fallback = "") const;
    std::string require(const std::string& key) const;               // Error if absent
    int get_int(const std::string& key, int fallback) const;         // Error if not an integer
    double get_double(const std::string& key, double fallback) const;   // Error unless a whole finite number
    bool get_yes_no(const std::string& key, bool fallback) const;       // Error unless yes or no

    // A whole finite decimal number (no blanks, no "nan", "inf" or hex); Error naming --key otherwise.
    static double parse_double(const std::string& key, const std::string& text);
    uint64_t get_u64(const std::string& key, uint64_t fallback) const;
    // Error naming the first option not in `known` (typos must not be ignored silently), then
    // an option that came last without its value.
    void check_known(const std::set<std::string>& known) const;

private:
    std::vector<std::string> positional_;
    std::map<std::string, std::string> values_;
    std::string missing_value_;   // an option given last without its value
};

struct Command {
    std::string name;
    std::string summary;   // one line for the command list
    std::string usage;     // full --help text
    std::function<int(const std::vector<std::string>& args)> run;   // args after the subcommand name
};

std::map<std::string, Command>& registry();

struct CommandRegistrar {
    explicit CommandRegistrar(Command c);
};

}  // namespace llms::cli

#include "app/cli/command.h"

#include "core/common/error.h"

#include <charconv>
#include <cmath>

namespace llms::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string key = a.substr(2);
            if (auto eq = key.find('='); eq != std::string::npos) {
                values_[key.substr(0, eq)] = key.substr(eq + 1);
            } else if (flags.count(key)) {
                values_[key] = "1";
            } else {
                if (i + 1 >= argv.size()) {   // reported by check_known, after unknown options (typos first)
                    missing_value_ = key;
                    values_[key] = "";
                } else {
                    values_[key] = argv[++i];
                }
            }
        } else {
            positional_.push_back(a);
        }
    }
}

std::string Args::get(const std::string& key, const std::string& fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
}

std::string Args::require(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw Error("missing required option --" + key + " (see --help)");
    return it->second;
}

template <typename T>
static T parse_number(const std::string& key, const std::string& s) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        throw Error("option --" + key + " expects a number, got \"" + s + "\"");
    return v;
}

int Args::get_int(const std::string& key, int fallback) const {
    return has(key) ? parse_number<int>(key, get(key)) : fallback;
}
uint64_t Args::get_u64(const std::string& key, uint64_t fallback) const {
    return has(key) ? parse_number<uint64_t>(key, get(key)) : fallback;
}
double Args::parse_double(const std::string& key, const std::string& s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
        throw Error("option --" + key + " expects a finite number, got \"" + s + "\"");
    return v;
}

double Args::get_double(const std::string& key, double fallback) const {
    return has(key) ? parse_double(key, get(key)) : fallback;
}
bool Args::get_yes_no(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    const std::string v = get(key);
    if (v != "yes" && v != "no") throw Error("--" + key + " expects yes or no, got \"" + v + "\"");
    return v == "yes";
}

void Args::check_known(const std::set<std::string>& known) const {
    for (const auto& [k, v] : values_)
        if (!known.count(k)) throw Error("unknown option --" + k + " (see --help)");
    if (!missing_value_.empty()) throw Error("option --" + missing_value_ + " needs a value");
}

std::map<std::string, Command>& registry() {
    static std::map<std::string, Command> r;
    return r;
}

CommandRegistrar::CommandRegistrar(Command c) { registry()[c.name] = std::move(c); }

}  // namespace llms::cli

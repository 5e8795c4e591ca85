#include "core/common/cpu.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace llms {

int physical_cores() {
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<std::string, std::string>> cores;   // (physical id, core id)
    std::string line, phys = "0";
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) continue;
        const auto key_end = line.find_last_not_of(" \t", colon - 1);
        const std::string key = key_end == std::string::npos ? "" : line.substr(0, key_end + 1);
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (key == "physical id") phys = value;
        else if (key == "core id") cores.emplace(phys, value);
    }
    if (!cores.empty()) return static_cast<int>(cores.size());
    return std::max(1u, std::thread::hardware_concurrency());
}

bool cpu_has_native_bf16() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("flags", 0) == 0)
            return line.find(" avx512_bf16") != std::string::npos || line.find(" amx_bf16") != std::string::npos;
    return false;
}

}  // namespace llms

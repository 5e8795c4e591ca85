#include "core/bench/bench_stats.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <time.h>
#include <utility>

namespace llms::bench {

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double peak_rss_mb() {
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0.0;
    return u.ru_maxrss / 1024.0;   // Linux reports KiB
}

double process_cpu_ms() {
    timespec t{};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) return 0.0;
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

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

ScopedThreads::ScopedThreads(int threads) : previous_(at::get_num_threads()) {
    threads_ = threads > 0 ? threads : physical_cores();
    at::set_num_threads(threads_);
}

ScopedThreads::~ScopedThreads() { at::set_num_threads(previous_); }

}  // namespace llms::bench

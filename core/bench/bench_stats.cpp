#include "core/bench/bench_stats.h"

#include "core/common/cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <string>
#include <sys/resource.h>
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

ScopedThreads::ScopedThreads(int threads) : previous_(at::get_num_threads()) {
    threads_ = threads > 0 ? threads : physical_cores();
    at::set_num_threads(threads_);
}

ScopedThreads::~ScopedThreads() { at::set_num_threads(previous_); }

}  // namespace llms::bench

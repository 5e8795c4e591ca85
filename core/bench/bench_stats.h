// Small measurement helpers shared by the benchmark commands: medians, peak memory, CPU time, a scoped
// thread-count setting (core count: core/common/cpu.h). Torch-free header.
#pragma once
#include <vector>

namespace llms::bench {

// Median of the values (mean of the middle two for an even count); 0 for an empty list.
double median(std::vector<double> v);

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
double peak_rss_mb();

// CPU time this process has used so far (all threads, user + system), in ms. Beside wall time it tells
// apart a slow step from a step that waited for a CPU taken by other processes.
double process_cpu_ms();

// Sets LibTorch's intra-op thread count for the lifetime of the object (0: physical cores) and restores
// the previous count afterwards.
class ScopedThreads {
public:
    explicit ScopedThreads(int threads);
    ~ScopedThreads();
    ScopedThreads(const ScopedThreads&) = delete;
    ScopedThreads& operator=(const ScopedThreads&) = delete;
    int threads() const { return threads_; }

private:
    int threads_ = 1, previous_ = 1;
};

}  // namespace llms::bench

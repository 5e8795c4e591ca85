#include "core/common/thread_wait_policy.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace llms {

namespace {

// The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ..." in clock ticks.
bool read_cpu_ticks(uint64_t* busy, uint64_t* total) {
    std::ifstream f("/proc/stat");
    std::string label;
    uint64_t v[8] = {};
    f >> label;
    for (auto& x : v) f >> x;
    if (!f || label != "cpu") return false;
    *total = 0;
    for (auto x : v) *total += x;
    *busy = *total - v[3] - v[4];   // not idle, not waiting for I/O
    return true;
}

bool user_chose_policy() { return std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT"); }

}  // namespace

double machine_busy_share(int ms) {
    uint64_t b0, t0, b1, t1;
    if (!read_cpu_ticks(&b0, &t0)) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    if (!read_cpu_ticks(&b1, &t1) || t1 <= t0) return -1;
    return double(b1 - b0) / double(t1 - t0);
}

bool set_thread_wait_policy_env(double busy_share) {
    if (user_chose_policy()) return false;
    return busy_share >= 0 && busy_share < kBusyShare ? setenv("GOMP_SPINCOUNT", kGompSpinCount, 1) == 0
                                                      : setenv("OMP_WAIT_POLICY", "PASSIVE", 1) == 0;
}

std::string thread_wait_policy_in_effect() {
    std::string s;
    for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"})
        if (const char* v = std::getenv(name)) {
            if (!s.empty()) s += ' ';
            s.append(name).append("=").append(v);
        }
    return s.empty() ? "libgomp default" : s;
}

bool choose_thread_wait_policy() { return !user_chose_policy() && set_thread_wait_policy_env(machine_busy_share(200)); }

void reexec_with_thread_wait_policy(char* const argv[]) {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && choose_thread_wait_policy()) execv(exe.c_str(), argv);   // returns only on failure
}

}  // namespace llms

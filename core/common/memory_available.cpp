#include "core/common/memory_available.h"

#include "core/common/error.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#ifdef LLMS_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace llms {

namespace {

// The first integer in a small file (cgroup files), or -1 ("max" or unreadable).
int64_t read_int_file(const char* path) {
    std::ifstream f(path);
    int64_t v = -1;
    if (!(f >> v)) return -1;
    return v;
}

}  // namespace

int64_t available_ram_bytes() {
    int64_t avail = -1;
    std::ifstream f("/proc/meminfo");
    for (std::string line; std::getline(f, line);) {
        long long kb = 0;
        if (std::sscanf(line.c_str(), "MemAvailable: %lld kB", &kb) == 1) {
            avail = static_cast<int64_t>(kb) * 1024;
            break;
        }
    }
    // cgroup v2: the limit of this process's group (a container, a systemd scope).
    std::ifstream cg("/proc/self/cgroup");
    for (std::string line; std::getline(cg, line);) {
        if (line.rfind("0::", 0) != 0) continue;
        const std::string dir = "/sys/fs/cgroup" + line.substr(3);
        const int64_t max = read_int_file((dir + "/memory.max").c_str());
        const int64_t cur = read_int_file((dir + "/memory.current").c_str());
        if (max > 0 && cur >= 0) {
            const int64_t left = max > cur ? max - cur : 0;
            if (avail < 0 || left < avail) avail = left;
        }
    }
    // LLMS_MEMORY_LIMIT=BYTES: plan as if no more were available (a smaller target machine; the tests' refusals).
    if (const char* cap = std::getenv("LLMS_MEMORY_LIMIT")) {
        char* end = nullptr;
        const long long v = std::strtoll(cap, &end, 10);
        if (end != cap && *end == '\0' && v >= 0 && (avail < 0 || v < avail)) avail = v;
    }
    return avail;
}

int64_t available_device_bytes(const std::string& device) {
#ifdef LLMS_WITH_CUDA
    if (device.rfind("cuda", 0) != 0) return -1;
    int index = 0;
    if (const auto colon = device.find(':'); colon != std::string::npos) index = std::stoi(device.substr(colon + 1));
    int previous = 0;
    if (cudaGetDevice(&previous) != cudaSuccess) return -1;
    size_t free = 0, total = 0;
    const bool ok = cudaSetDevice(index) == cudaSuccess && cudaMemGetInfo(&free, &total) == cudaSuccess;
    cudaSetDevice(previous);
    return ok ? static_cast<int64_t>(free) : -1;
#else
    (void)device;
    return -1;
#endif
}

std::string format_bytes(int64_t bytes) {
    char b[64];
    const double x = static_cast<double>(bytes);
    if (x >= 1e12) std::snprintf(b, sizeof b, "%.1f TB", x / 1e12);
    else if (x >= 1e9) std::snprintf(b, sizeof b, "%.1f GB", x / 1e9);
    else std::snprintf(b, sizeof b, "%.1f MB", x / 1e6);
    return b;
}

void check_memory_fits(int64_t need, const std::string& device, const std::string& what, const std::string& advice) {
    const bool gpu = device.rfind("cuda", 0) == 0;
    const int64_t have = gpu ? available_device_bytes(device) : available_ram_bytes();
    if (have < 0 || need <= have) return;
    throw Error(what + " needs " + format_bytes(need) + " of " + (gpu ? "memory on " + device : std::string("memory")) +
                ", and " + format_bytes(have) + " is available" + (gpu ? "" : " (RAM)") + ": " + advice);
}

}  // namespace llms

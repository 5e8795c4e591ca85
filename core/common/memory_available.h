// How much memory a new allocation can use, and the refusal when a plan needs more: checked from sizes alone,
// before anything is allocated, so a config.json that asks for terabytes gets a message, not the OOM killer.
// Torch-free header.
#pragma once
#include <cstdint>
#include <string>

namespace llms {

// Bytes of RAM a new allocation can use now: MemAvailable from /proc/meminfo, lowered to the cgroup's
// memory.max minus memory.current when the process runs under a limit, and to $LLMS_MEMORY_LIMIT (bytes) when set
// (to plan for a smaller machine). -1 when unknown.
int64_t available_ram_bytes();

// Free memory of a CUDA device ("cuda", "cuda:N") in bytes; -1 when unknown (not a CUDA build, or not CUDA).
int64_t available_device_bytes(const std::string& device);

// "1.5 GB" (decimal units, one decimal).
std::string format_bytes(int64_t bytes);

// llms::Error when `need` bytes do not fit in what is available on `device` ("cpu" or "cuda[:N]"): the message
// says what needs them (`what`), both numbers, and `advice`. Nothing happens when the available memory is unknown.
void check_memory_fits(int64_t need, const std::string& device, const std::string& what, const std::string& advice);

}  // namespace llms

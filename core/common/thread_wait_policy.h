// How LibTorch's OpenMP threads wait for work between parallel regions, chosen once at start-up from how busy
// the machine is. libgomp's default is a busy wait of about 3 ms (GOMP_SPINCOUNT 300000) before sleeping: where
// other processes hold the cores, a spinning thread keeps the core its partner needs and every hand-off stalls
// (a 12-step tiny-model surgery took 147 s instead of 4 s while a compile ran). Sleeping at once
// (OMP_WAIT_POLICY=PASSIVE) costs a futex wake-up per parallel region instead, and a training step runs
// thousands of them. Measured on the 2-core VM (docs/benchmarks.md, "Thread wait policy"): on an idle machine a
// short spin of ~0.3 ms (GOMP_SPINCOUNT 30000) makes small training steps 25-30 % faster than the passive
// wait (a tiny model's 2.3x); with other processes busy on both cores it is 1.3-4.9x slower than the passive
// wait (median of nine runs 2.7x). So: the short spin when other processes leave the cores idle, the passive
// wait when not.
// Torch-free.
#pragma once
#include <string>

namespace llms {

constexpr const char* kGompSpinCount = "30000";
constexpr double kBusyShare = 0.25;   // other processes' share of all cores above which the wait is passive

// The share of the machine's CPU time (all cores) that was busy over `ms` milliseconds, from /proc/stat;
// -1 where it cannot be read. Called before this process does any work, it is the other processes' share.
double machine_busy_share(int ms);

// Unless the user chose a policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set): sets GOMP_SPINCOUNT=kGompSpinCount
// when busy_share (machine_busy_share's) is below kBusyShare, else OMP_WAIT_POLICY=PASSIVE. libgomp reads them
// once, when the program starts: returns true when it set one, and the caller then re-executes the program
// (before any thread exists) for it to take effect.
bool set_thread_wait_policy_env(double busy_share);

// The start-up choice: false at once when the user chose a policy, else set_thread_wait_policy_env of the
// machine's busy share over 200 ms (the re-executed process sees the variable set and does not measure again).
bool choose_thread_wait_policy();

// Re-executes this program (its real path, so the process keeps its name in ps and task managers) with argv
// (argv[0] first, null-terminated) when choose_thread_wait_policy() set a policy. Returns only when it did not: the
// user chose one, the re-executed process already has it, or exec failed (the program then runs with libgomp's
// default). Call first thing, before any thread exists.
void reexec_with_thread_wait_policy(char* const argv[]);

// The policy this process runs with, as its environment says (for benchmark records): "GOMP_SPINCOUNT=30000",
// "OMP_WAIT_POLICY=PASSIVE", both, or "libgomp default".
std::string thread_wait_policy_in_effect();

}  // namespace llms

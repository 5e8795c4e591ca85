// How LibTorch's OpenMP threads wait for work between parallel regions. libgomp's default is a busy wait of
// about 3 ms (GOMP_SPINCOUNT 300000) before sleeping: on a machine where other processes hold the cores, a
// spinning thread keeps the core its partner needs, and every hand-off stalls (a 12-step tiny-model surgery
// took 147 s instead of 4 s while a compile ran). Sleeping at once (OMP_WAIT_POLICY=PASSIVE) costs a futex
// wake-up per parallel region instead, and a training step runs thousands of them. A short spin of ~0.3 ms
// (GOMP_SPINCOUNT 30000) bridges the gap between consecutive operators and gives the core up soon after:
// measured on the 2-core VM (docs/benchmarks.md, "Thread wait policy"), it is the fastest of the three on an
// idle machine and close to the passive wait on a busy one. Torch-free.
#pragma once

namespace llms {

constexpr const char* kGompSpinCount = "30000";

// Sets GOMP_SPINCOUNT to kGompSpinCount unless the user chose a policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set).
// libgomp reads it once, when the program starts: returns true when it set the variable, and the caller then
// re-executes the program (before any thread exists) for it to take effect.
bool set_thread_wait_policy_env();

}  // namespace llms

#include "core/common/thread_wait_policy.h"

#include <cstdlib>

namespace llms {

bool set_thread_wait_policy_env() {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return false;
    return setenv("GOMP_SPINCOUNT", kGompSpinCount, 1) == 0;
}

}  // namespace llms

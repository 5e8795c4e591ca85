// Ctrl-C for long CLI runs: the first SIGINT sets a stop flag the run checks every step (it ends cleanly,
// writing nothing half-done); a second one exits at once.
#pragma once
#include <atomic>

namespace llms::cli {

// Installs the handler (idempotent) and returns the flag it sets.
const std::atomic<bool>& install_interrupt_flag();

}  // namespace llms::cli

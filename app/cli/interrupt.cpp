#include "app/cli/interrupt.h"

#include <csignal>
#include <unistd.h>

namespace llms::cli {

static std::atomic<bool> g_stop{false};

static void on_sigint(int) {
    if (g_stop.exchange(true)) _exit(130);
    static const char msg[] = "\nstopping after the current step (Ctrl-C again to quit at once)\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

const std::atomic<bool>& install_interrupt_flag() {
    static bool installed = false;
    if (!installed) {
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        installed = true;
    }
    return g_stop;
}

}  // namespace llms::cli

#include "app/cli/progress_line.h"

#include <cstdio>
#include <unistd.h>

namespace llms::cli {

ProgressLine::ProgressLine() : tty_(isatty(STDERR_FILENO) != 0) {}

void ProgressLine::update(const std::string& text, bool force) {
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (!force && since < (tty_ ? 0.2 : 5.0)) return;
    last_ = now;
    if (tty_) std::fprintf(stderr, "\r\033[K%s", text.c_str());
    else std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void ProgressLine::finish() {
    if (tty_ && drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
}

std::string format_duration(double s) {
    if (!(s >= 0) || s > 360000) return "?";
    char buf[32];
    const long t = (long)(s + 0.5);
    if (t < 60) std::snprintf(buf, sizeof buf, "%lds", t);
    else if (t < 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    return buf;
}

}  // namespace llms::cli

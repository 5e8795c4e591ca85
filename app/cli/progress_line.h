// One status line on stderr for long CLI runs: redrawn in place (\r) at most ~5 times a second on a
// terminal, printed as plain lines every few seconds otherwise (logs, CI).
#pragma once
#include <chrono>
#include <string>

namespace llms::cli {

class ProgressLine {
public:
    ProgressLine();
    // force: draw now regardless of the rate limit (first and last updates).
    void update(const std::string& text, bool force = false);
    void finish();   // ends the line on a terminal

private:
    bool tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// "1:05" / "12s" style durations for ETAs.
std::string format_duration(double seconds);

}  // namespace llms::cli

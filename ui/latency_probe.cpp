#include "ui/latency_probe.h"

#include <time.h>

#include <algorithm>
#include <numeric>

namespace llms::ui {

namespace {
double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
}  // namespace

LatencyProbe::LatencyProbe(int intervalMs, QObject* parent) : QObject(parent), intervalMs_(intervalMs) {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(intervalMs);
    connect(&timer_, &QTimer::timeout, this, [this] {
        const qint64 now = clock_.nsecsElapsed();
        const double cpu = threadCpuMs();
        if (lastNs_ >= 0) {
            late_.push_back(std::max(0.0, (now - lastNs_) / 1e6 - intervalMs_));
            busy_.push_back(cpu - lastCpuMs_);
        }
        lastNs_ = now;
        lastCpuMs_ = cpu;
    });
}

void LatencyProbe::start() {
    clock_.start();
    lastNs_ = -1;
    timer_.start();
}

void LatencyProbe::stop() { timer_.stop(); }

void LatencyProbe::reset() {
    late_.clear();
    busy_.clear();
    lastNs_ = -1;
}

double LatencyProbe::maxMs() const { return late_.empty() ? 0 : *std::max_element(late_.begin(), late_.end()); }

double LatencyProbe::meanMs() const {
    return late_.empty() ? 0 : std::accumulate(late_.begin(), late_.end(), 0.0) / late_.size();
}

double LatencyProbe::percentileMs(double q) const {
    if (late_.empty()) return 0;
    std::vector<double> s(late_);
    const size_t k = std::min(s.size() - 1, (size_t)(q * (s.size() - 1) + 0.5));
    std::nth_element(s.begin(), s.begin() + k, s.end());
    return s[k];
}

double LatencyProbe::maxBusyMs() const { return busy_.empty() ? 0 : *std::max_element(busy_.begin(), busy_.end()); }

double LatencyProbe::busyAtWorstMs() const {
    if (late_.empty()) return 0;
    return busy_[std::max_element(late_.begin(), late_.end()) - late_.begin()];
}

QString LatencyProbe::summary() const {
    return QString("n=%1, mean %2 ms, p99 %3 ms, max %4 ms (GUI thread's own work in that interval %5 ms; "
                   "longest own work in one interval %6 ms)")
        .arg(samples())
        .arg(meanMs(), 0, 'f', 2)
        .arg(percentileMs(0.99), 0, 'f', 1)
        .arg(maxMs(), 0, 'f', 1)
        .arg(busyAtWorstMs(), 0, 'f', 1)
        .arg(maxBusyMs(), 0, 'f', 1);
}

}  // namespace llms::ui

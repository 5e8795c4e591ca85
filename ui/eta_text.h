// "about N s left" / "about N min left": the time a task still needs, from the time its first `done` of `total`
// parts took. Empty before the first part and after the last.
#pragma once
#include <QCoreApplication>
#include <QString>

#include <cmath>

namespace llms::ui {

inline QString etaText(double seconds_so_far, double done, double total) {
    if (!(done > 0) || done >= total) return {};
    const double left = seconds_so_far / done * (total - done);
    if (left < 90) return QCoreApplication::translate("eta", "about %1 s left").arg((int)std::ceil(left));
    return QCoreApplication::translate("eta", "about %1 min left").arg((int)std::ceil(left / 60));
}

}  // namespace llms::ui

// Error messages for the user: a window-modal box (never blocking the event loop) whose text is the
// core's one-line message (what went wrong, where, what to do).
#pragma once
#include <QString>

class QWidget;

namespace llms::ui {

void showError(QWidget* parent, const QString& what, const QString& message);

}  // namespace llms::ui

// What the worker was asked to do. A failure names its task, so each panel reacts to its own task's failure and
// the controller resets only that task's state (never by comparing translated texts).
#pragma once
#include <QMetaType>

namespace llms::ui {

enum class Task { OpenModel, Ask, Probe, ProbeFacts, Surgery, Revert, UseRun, RestoreHistory, Export, DemoModel, Audit, Trace };

}  // namespace llms::ui

Q_DECLARE_METATYPE(llms::ui::Task)

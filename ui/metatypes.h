// Core value types that cross from the worker thread to the GUI thread in queued signals (by value).
#pragma once
#include "core/edit/edit_types.h"
#include "core/eval/audit.h"
#include "core/facts/fact_set.h"
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"
#include "ui/task.h"

#include <QMetaType>

#include <vector>

Q_DECLARE_METATYPE(llms::session::ModelCard)
Q_DECLARE_METATYPE(llms::session::MemoryUse)
Q_DECLARE_METATYPE(llms::session::ProbeResult)
Q_DECLARE_METATYPE(llms::session::RunRecord)
Q_DECLARE_METATYPE(std::vector<llms::session::RunRecord>)
Q_DECLARE_METATYPE(std::vector<llms::session::FactProbe>)
Q_DECLARE_METATYPE(std::vector<llms::surgery::StepMetrics>)
Q_DECLARE_METATYPE(llms::surgery::EvalPoint)
Q_DECLARE_METATYPE(llms::surgery::SurgeryOutcome)
Q_DECLARE_METATYPE(llms::facts::FactSet)
Q_DECLARE_METATYPE(llms::eval::AuditReport)
Q_DECLARE_METATYPE(llms::edit::TraceSummary)

namespace llms::ui {
void registerMetaTypes();   // idempotent; the controller calls it
}

#include "ui/metatypes.h"

namespace llms::ui {

void registerMetaTypes() {
    static const bool done = [] {
        qRegisterMetaType<llms::ui::Task>();
        qRegisterMetaType<llms::session::ModelCard>();
        qRegisterMetaType<llms::session::MemoryUse>();
        qRegisterMetaType<llms::session::ProbeResult>();
        qRegisterMetaType<llms::session::RunRecord>();
        qRegisterMetaType<std::vector<llms::session::RunRecord>>();
        qRegisterMetaType<std::vector<llms::session::FactProbe>>();
        qRegisterMetaType<std::vector<llms::surgery::StepMetrics>>();
        qRegisterMetaType<llms::surgery::EvalPoint>();
        qRegisterMetaType<llms::surgery::SurgeryOutcome>();
        qRegisterMetaType<llms::facts::FactSet>();
        qRegisterMetaType<llms::eval::AuditReport>();
        qRegisterMetaType<llms::edit::TraceSummary>();
        return true;
    }();
    (void)done;
}

}  // namespace llms::ui

#include "ui/project_manager.h"

#include "core/common/error.h"
#include "ui/app_settings.h"
#include "ui/error_dialog.h"
#include "ui/fact_table_model.h"
#include "ui/facts_panel.h"
#include "ui/model_panel.h"
#include "ui/probe_panel.h"
#include "ui/session_controller.h"
#include "ui/surgery_panel.h"
#include "ui/surgery_settings_form.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace llms::ui {

ProjectManager::ProjectManager(SessionController* controller, AppSettings* settings, ModelPanel* model, FactsPanel* facts,
                               ProbePanel* probe, SurgeryPanel* surgery, QObject* parent)
    : QObject(parent), controller_(controller), settings_(settings), model_(model), facts_(facts), probe_(probe),
      surgery_(surgery) {
    connect(facts_->model(), &FactTableModel::factsChanged, this, [this] {
        autosaveDirty_ = true;
        Q_EMIT modifiedChanged(isModified());
    });
    connect(surgery_->form(), &SurgerySettingsForm::changed, this, &ProjectManager::touch);
    connect(controller_, &SessionController::runFinished, this, &ProjectManager::touch);
    connect(controller_, &SessionController::modelOpened, this, [this](const session::ModelCard&) {
        if (!pendingRuns_.empty()) {
            controller_->addHistory(pendingRuns_);
            pendingRuns_.clear();
        }
    });
    connect(&autosave_, &QTimer::timeout, this, [this] {
        if (autosaveDirty_) writeAutosave();
    });
    setAutosaveInterval(settings_->autosaveSeconds());
}

void ProjectManager::touch() {
    dirty_ = true;
    autosaveDirty_ = true;
    Q_EMIT modifiedChanged(true);
}

session::Project ProjectManager::gather() const {
    session::Project p;
    if (controller_->card()) p.model_dir = controller_->card()->dir;
    p.facts = facts_->facts();
    p.surgery = surgery_->form()->config();
    p.probe = probe_->sampleOptions();
    p.from_original = surgery_->fromOriginal();
    p.runs = controller_->history();
    for (auto& r : p.runs) r.weights_kept = false;
    return p;
}

void ProjectManager::apply(const session::Project& p) {
    facts_->model()->loadFacts(p.facts);
    surgery_->form()->setConfig(p.surgery);
    probe_->setSampleOptions(p.probe);
    surgery_->setFromOriginal(p.from_original);
    const QString dir = QString::fromStdString(p.model_dir);
    const bool sameModel = controller_->card() && QString::fromStdString(controller_->card()->dir) == dir;
    if (!dir.isEmpty() && !sameModel) {
        pendingRuns_ = p.runs;   // added once the model is open (opening clears the history)
        model_->open(dir);
    } else if (!p.runs.empty()) {
        controller_->addHistory(p.runs);
    }
}

bool ProjectManager::save(const QString& path) {
    QString file = path;
    if (QFileInfo(file).suffix().isEmpty()) file += QString(".") + kExtension;
    try {
        session::save_project(gather(), file.toStdString());
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        showError(qobject_cast<QWidget*>(facts_->window()), tr("Saving the project"), QString::fromStdString(e.what()));
        return false;
    }
    path_ = file;
    settings_->setLastProjectDir(QFileInfo(file).absolutePath());
    markSaved();
    Q_EMIT pathChanged(path_);
    Q_EMIT status(tr("Project saved to %1").arg(file));
    return true;
}

bool ProjectManager::open(const QString& path) {
    try {
        const auto p = session::load_project(path.toStdString());
        apply(p);
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        showError(qobject_cast<QWidget*>(facts_->window()), tr("Opening the project"), QString::fromStdString(e.what()));
        return false;
    }
    path_ = path;
    settings_->setLastProjectDir(QFileInfo(path).absolutePath());
    markSaved();
    Q_EMIT pathChanged(path_);
    Q_EMIT status(tr("Opened project %1").arg(path));
    return true;
}

void ProjectManager::newProject() {
    facts_->model()->loadFacts({});
    surgery_->form()->setConfig(surgery::SurgeryConfig::preset_named("demo"));
    path_.clear();
    markSaved();
    Q_EMIT pathChanged(path_);
}

QString ProjectManager::displayName() const { return path_.isEmpty() ? tr("Untitled") : QFileInfo(path_).fileName(); }

bool ProjectManager::isModified() const { return dirty_ || facts_->model()->isModified(); }

void ProjectManager::markSaved() {
    dirty_ = false;
    facts_->model()->setSaved();
    Q_EMIT modifiedChanged(false);
}

QString ProjectManager::autosavePath() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return QDir(dir).filePath(QString("autosave.") + kExtension);
}

void ProjectManager::writeAutosave() {
    try {
        session::save_project(gather(), autosavePath().toStdString());
        autosaveDirty_ = false;
    } catch (const std::exception& e) {   // not only llms::Error: never a crash
        Q_EMIT status(tr("Autosave failed: %1").arg(QString::fromStdString(e.what())));
    }
}

std::optional<session::Project> ProjectManager::pendingRecovery() const {
    if (!QFileInfo::exists(autosavePath())) return std::nullopt;
    try {
        return session::load_project(autosavePath().toStdString());
    } catch (const std::exception&) {
        return std::nullopt;   // unreadable leftovers are not worth a question
    }
}

void ProjectManager::discardAutosave() { QFile::remove(autosavePath()); }

void ProjectManager::setAutosaveInterval(int seconds) {
    settings_->setAutosaveSeconds(seconds);
    if (seconds <= 0) autosave_.stop();
    else autosave_.start(seconds * 1000);
}

}  // namespace llms::ui

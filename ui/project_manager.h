// Projects: save/open a project file (model folder, facts, settings, run history), know whether anything is
// unsaved, autosave periodically, and offer to restore the autosave after a crash.
#pragma once
#include "core/session/project_file.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>

namespace llms::ui {

class AppSettings;
class FactsPanel;
class ModelPanel;
class ProbePanel;
class SessionController;
class SurgeryPanel;

class ProjectManager : public QObject {
    Q_OBJECT
public:
    ProjectManager(SessionController* controller, AppSettings* settings, ModelPanel* model, FactsPanel* facts,
                   ProbePanel* probe, SurgeryPanel* surgery, QObject* parent = nullptr);

    session::Project gather() const;                 // the current state as a project
    // Applies a project: facts, settings, and (when it names another folder) opens its model; its runs join
    // the history (records only: their weights come back by re-running).
    void apply(const session::Project& p);

    bool save(const QString& path);                  // false + error dialog on failure
    bool open(const QString& path);
    void newProject();
    QString path() const { return path_; }
    QString displayName() const;                     // file name or "Untitled"
    bool isModified() const;
    void markSaved();

    // Autosave file (in the app's data folder); removed on a clean exit.
    static QString autosavePath();
    void writeAutosave();
    std::optional<session::Project> pendingRecovery() const;   // an autosave left by a crash
    void discardAutosave();
    void setAutosaveInterval(int seconds);

    static constexpr const char* kExtension = "llmsproj";

Q_SIGNALS:
    void modifiedChanged(bool modified);
    void pathChanged(const QString& path);
    void status(const QString& message);

private:
    void touch();

    SessionController* controller_;
    AppSettings* settings_;
    ModelPanel* model_;
    FactsPanel* facts_;
    ProbePanel* probe_;
    SurgeryPanel* surgery_;
    QString path_;
    bool dirty_ = false;                             // settings or history changed since the last save
    bool autosaveDirty_ = false;
    QTimer autosave_;
    std::vector<session::RunRecord> pendingRuns_;    // runs of an opened project, added once its model is open
};

}  // namespace llms::ui

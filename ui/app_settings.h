// Every persistent setting of the app, typed, in one place (over QSettings). Nothing else touches QSettings.
#pragma once
#include "core/session/session_types.h"
#include "core/surgery/surgery_config.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace llms::ui {

class AppSettings {
public:
    AppSettings();                                  // the app's QSettings (organization/application names)
    explicit AppSettings(const QString& iniFile);   // a given INI file (tests)

    // Model
    QStringList recentModels() const;               // most recent first, at most kMaxRecent
    void addRecentModel(const QString& dir);
    QString device() const;                         // "cpu", "cuda", ...
    void setDevice(const QString& d);
    QString loadDtype() const;                      // "auto", "float32", "bfloat16", "float16"
    void setLoadDtype(const QString& d);

    // Folders last used in file dialogs
    QString lastFactsDir() const;
    void setLastFactsDir(const QString& d);
    QString lastExportDir() const;
    void setLastExportDir(const QString& d);
    QString lastProjectDir() const;
    void setLastProjectDir(const QString& d);

    // Probe
    session::SampleOptions probeOptions() const;
    void setProbeOptions(const session::SampleOptions& o);

    // Surgery
    surgery::SurgeryConfig surgeryConfig() const;   // last used (the demo preset at first)
    void setSurgeryConfig(const surgery::SurgeryConfig& c);

    // Export
    QString exportDtype() const;
    void setExportDtype(const QString& d);

    // Window
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& g);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& s);
    int currentTab() const;
    void setCurrentTab(int i);

    // Autosave
    int autosaveSeconds() const;                    // 0 = off
    void setAutosaveSeconds(int s);

    static constexpr int kMaxRecent = 8;

private:
    mutable QSettings s_;
};

}  // namespace llms::ui

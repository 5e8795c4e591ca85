#include "ui/app_settings.h"

#include "core/common/error.h"
#include "core/session/project_file.h"

#include <QDir>

namespace llms::ui {

namespace {
constexpr auto kRecent = "model/recent";
constexpr auto kDevice = "model/device";
constexpr auto kLoadDtype = "model/dtype";
constexpr auto kFactsDir = "dirs/facts";
constexpr auto kExportDir = "dirs/export";
constexpr auto kProjectDir = "dirs/project";
constexpr auto kProbeMax = "probe/max_new_tokens";
constexpr auto kProbeTemp = "probe/temperature";
constexpr auto kProbeTopP = "probe/top_p";
constexpr auto kProbeSeed = "probe/seed";
constexpr auto kProbeChat = "probe/chat";
constexpr auto kSurgery = "surgery/config_json";
constexpr auto kExportDtype = "export/dtype";
constexpr auto kGeometry = "window/geometry";
constexpr auto kState = "window/state";
constexpr auto kTab = "window/tab";
constexpr auto kAutosave = "autosave/seconds";
}  // namespace

AppSettings::AppSettings() {}
AppSettings::AppSettings(const QString& iniFile) : s_(iniFile, QSettings::IniFormat) {}

QStringList AppSettings::recentModels() const { return s_.value(kRecent).toStringList(); }

void AppSettings::addRecentModel(const QString& dir) {
    const QString d = QDir::cleanPath(dir);
    QStringList l = recentModels();
    l.removeAll(d);
    l.prepend(d);
    while (l.size() > kMaxRecent) l.removeLast();
    s_.setValue(kRecent, l);
}

QString AppSettings::device() const { return s_.value(kDevice, "cpu").toString(); }
void AppSettings::setDevice(const QString& d) { s_.setValue(kDevice, d); }
QString AppSettings::loadDtype() const { return s_.value(kLoadDtype, "auto").toString(); }
void AppSettings::setLoadDtype(const QString& d) { s_.setValue(kLoadDtype, d); }

QString AppSettings::lastFactsDir() const { return s_.value(kFactsDir, QDir::homePath()).toString(); }
void AppSettings::setLastFactsDir(const QString& d) { s_.setValue(kFactsDir, d); }
QString AppSettings::lastExportDir() const { return s_.value(kExportDir, QDir::homePath()).toString(); }
void AppSettings::setLastExportDir(const QString& d) { s_.setValue(kExportDir, d); }
QString AppSettings::lastProjectDir() const { return s_.value(kProjectDir, QDir::homePath()).toString(); }
void AppSettings::setLastProjectDir(const QString& d) { s_.setValue(kProjectDir, d); }

session::SampleOptions AppSettings::probeOptions() const {
    session::SampleOptions o;
    o.max_new_tokens = s_.value(kProbeMax, o.max_new_tokens).toInt();
    o.temperature = s_.value(kProbeTemp, o.temperature).toDouble();
    o.top_p = s_.value(kProbeTopP, o.top_p).toDouble();
    o.seed = s_.value(kProbeSeed, (qulonglong)o.seed).toULongLong();
    o.chat = s_.value(kProbeChat, o.chat).toBool();
    return o;
}

void AppSettings::setProbeOptions(const session::SampleOptions& o) {
    s_.setValue(kProbeMax, o.max_new_tokens);
    s_.setValue(kProbeTemp, o.temperature);
    s_.setValue(kProbeTopP, o.top_p);
    s_.setValue(kProbeSeed, (qulonglong)o.seed);
    s_.setValue(kProbeChat, o.chat);
}

surgery::SurgeryConfig AppSettings::surgeryConfig() const {
    const QString j = s_.value(kSurgery).toString();
    if (!j.isEmpty()) {
        try {
            return session::config_from_json(j.toStdString());
        } catch (const std::exception&) {
            // a settings file from another version: fall back to the preset
        }
    }
    return surgery::SurgeryConfig::preset_named("demo");
}

void AppSettings::setSurgeryConfig(const surgery::SurgeryConfig& c) {
    s_.setValue(kSurgery, QString::fromStdString(session::config_to_json(c)));
}

QString AppSettings::exportDtype() const { return s_.value(kExportDtype, "float32").toString(); }
void AppSettings::setExportDtype(const QString& d) { s_.setValue(kExportDtype, d); }

QByteArray AppSettings::windowGeometry() const { return s_.value(kGeometry).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { s_.setValue(kGeometry, g); }
QByteArray AppSettings::windowState() const { return s_.value(kState).toByteArray(); }
void AppSettings::setWindowState(const QByteArray& st) { s_.setValue(kState, st); }
int AppSettings::currentTab() const { return s_.value(kTab, 0).toInt(); }
void AppSettings::setCurrentTab(int i) { s_.setValue(kTab, i); }

int AppSettings::autosaveSeconds() const { return s_.value(kAutosave, 30).toInt(); }
void AppSettings::setAutosaveSeconds(int sec) { s_.setValue(kAutosave, sec); }

}  // namespace llms::ui

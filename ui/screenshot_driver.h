// Drives the main window through a scripted session for --screenshot: open the model, (with facts) ask the
// model, run a short surgery, probe all facts and one prompt, then render tabs to PNG and quit. Also
// reports the event-loop latency measured during the surgery.
#pragma once
#include <QObject>
#include <QString>
#include <QStringList>

namespace llms::ui {

class MainWindow;

struct ScreenshotPlan {
    QString modelDir;          // "" = the demo model (built first when needed)
    QString factsFile;         // optional fact file replacing the loaded facts
    bool surgery = false;      // run a short surgery (implied by factsFile)
    QString output;            // FILE.png; with tabs = all: FILE-<tab>.png per tab
    QString tab;               // model | facts | probe | trace | surgery | results | audit | history | all ("" = best)
    int steps = 0;             // surgery steps (0: the preset's)
    QString preset = "demo";
    QString lora;              // "R[:ALPHA]": the surgery trains LoRA adapters (Advanced settings shown open)
    bool audit = false;        // after the surgery, the forgetting audit of the run (Audit tab)
    QString method;            // the surgery's method ("" = the settings'), e.g. rome or memit
    bool trace = false;        // after the surgery, the causal trace of the facts (Causal trace tab)
    QString compare;           // after the surgery, a second run with this method; Results shows all runs side by side
    QString probePrompt;       // "" = the first forget fact's prompt
    int width = 1360, height = 860;
};

class ScreenshotDriver : public QObject {
    Q_OBJECT
public:
    ScreenshotDriver(MainWindow* window, ScreenshotPlan plan, QObject* parent = nullptr);
    void start();

Q_SIGNALS:
    void done(int exitCode);

private:
    void afterModel();
    void afterSurgery();
    void capture();
    void fail(const QString& why);

    MainWindow* w_;
    ScreenshotPlan plan_;
    int stage_ = 0;
    bool compared_ = false;
};

}  // namespace llms::ui

// llm-surgery: the desktop application.
//   llm-surgery [--model DIR] [--facts FILE] [PROJECT.llmsproj | MODEL_DIR | FACTS.jsonl]
//   llm-surgery [--model DIR] [--facts FILE | --surgery] --screenshot OUT.png [--tab NAME|all] [--steps N] [--preset NAME]
//               [--lora R[:ALPHA]] [--audit] [--method M] [--trace] [--compare M]
//   (no --model: the demo model, built on first use)
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/screenshot_driver.h"
#include "ui/training_process.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    llms::ui::prepareTrainingProcess(argv);   // may re-execute the program once (OpenMP wait policy)
    QApplication app(argc, argv);
    QApplication::setApplicationName("llm-surgery");
    QApplication::setOrganizationName("llm-surgery");
    QApplication::setApplicationDisplayName("LLM Surgery");
    QApplication::setApplicationVersion(LLMS_VERSION);
    QGuiApplication::setDesktopFileName("io.github.llm_surgery.LlmSurgery");   // packaging/<this id>.desktop
    QApplication::setWindowIcon(QIcon(":/icons/llm-surgery-256.png"));

    QCommandLineParser cli;
    cli.setApplicationDescription("Edit what a local language model knows: forget, update and retain facts.");
    cli.addHelpOption();
    cli.addVersionOption();
    QCommandLineOption model("model", "Open this model folder (config.json + safetensors + tokenizer.json or tokenizer.model).", "DIR");
    QCommandLineOption facts("facts", "Load this fact set (JSONL or CSV).", "FILE");
    QCommandLineOption shot("screenshot", "Render the window to FILE (PNG) after loading the model (--model, else the "
                                          "demo model) and, with --facts or --surgery, after a short surgery; then quit.", "FILE");
    QCommandLineOption tab("tab", "With --screenshot: model, facts, probe, trace, surgery, results, audit, history, or all "
                                  "(one FILE-<tab>.png each).", "NAME");
    QCommandLineOption steps("steps", "With --screenshot: surgery steps (default: the preset's).", "N");
    QCommandLineOption surgeryOpt("surgery", "With --screenshot: run a short surgery on the loaded facts (implied by --facts).");
    QCommandLineOption preset("preset", "With --screenshot: surgery preset (demo, durable or paper).", "NAME", "demo");
    QCommandLineOption auditOpt("audit", "With --screenshot: after the surgery, audit the run (Audit tab).");
    QCommandLineOption method("method", "With --screenshot: the surgery's method (e.g. rome, memit).", "M");
    QCommandLineOption traceOpt("trace", "With --screenshot: after the surgery, causal-trace the facts (Causal trace tab).");
    QCommandLineOption compare("compare", "With --screenshot: after the surgery, a second run with method M; the "
                                          "Results tab shows every run side by side.", "M");
    QCommandLineOption lora("lora", "With --screenshot: the surgery trains LoRA adapters of rank R (Advanced settings open).",
                            "R[:ALPHA]");
    QCommandLineOption size("size", "With --screenshot: window size WxH.", "WxH", "1360x860");
    QCommandLineOption settingsFile("settings", "Use this INI file for settings instead of the user's.", "FILE");
    for (const auto& o : {model, facts, shot, tab, steps, surgeryOpt, preset, auditOpt, method, traceOpt, compare, lora, size,
                          settingsFile}) cli.addOption(o);
    cli.addPositionalArgument("path", "A project (.llmsproj), a model folder or a fact file to open.", "[path]");
    cli.process(app);

    const bool screenshot = cli.isSet(shot);
    std::unique_ptr<llms::ui::AppSettings> settings =
        cli.isSet(settingsFile) ? std::make_unique<llms::ui::AppSettings>(cli.value(settingsFile))
        : screenshot            ? std::make_unique<llms::ui::AppSettings>(QDir::temp().filePath("llm-surgery-screenshot.ini"))
                                : std::make_unique<llms::ui::AppSettings>();
    llms::ui::MainWindow w(settings.get());

    if (screenshot) {
        llms::ui::ScreenshotPlan plan;
        plan.surgery = cli.isSet(surgeryOpt);
        plan.modelDir = cli.value(model);
        plan.factsFile = cli.value(facts);
        plan.output = cli.value(shot);
        plan.tab = cli.value(tab);
        plan.steps = cli.value(steps).toInt();
        plan.preset = cli.value(preset);
        plan.lora = cli.value(lora);
        plan.audit = cli.isSet(auditOpt);
        plan.method = cli.value(method);
        plan.trace = cli.isSet(traceOpt);
        plan.compare = cli.value(compare);
        const auto wh = cli.value(size).split('x');
        if (wh.size() == 2) plan.width = wh[0].toInt(), plan.height = wh[1].toInt();
        llms::ui::ScreenshotDriver driver(&w, plan);
        int code = 0;
        QObject::connect(&driver, &llms::ui::ScreenshotDriver::done, &app, [&](int c) {
            code = c;
            app.exit(c);
        });
        QTimer::singleShot(0, &driver, &llms::ui::ScreenshotDriver::start);
        app.exec();
        return code;
    }

    w.show();
    w.offerRecovery();
    for (const QString& p : cli.positionalArguments()) w.openPath(p);
    if (cli.isSet(model)) w.openPath(cli.value(model));
    else if (cli.positionalArguments().isEmpty()) {
        const QStringList recent = settings->recentModels();
        if (!recent.isEmpty() && llms::ui::ModelPanel::looksLikeModelFolder(recent.first()))
            w.openPath(recent.first());              // reopen the last model
        else
            w.modelPanel()->useDemoModel();          // first run: the demo model (built once, with progress)
    }
    if (cli.isSet(facts)) w.openPath(cli.value(facts));
    return app.exec();
}

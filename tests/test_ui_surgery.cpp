// The GUI controller driving the real core on the tiny model (tests/data/tiny-llama, random weights, real
// tokenizer), as the app does: load with progress, ask, probe, a short surgery with live metrics (QSignalSpy),
// pause, stop mid-run, revert / use a run, export a loadable folder; the main window end to end; redraw
// coalescing and event-loop latency while training.
#include "core/gguf/gguf_reader.h"
#include "ui/app_settings.h"
#include "ui/facts_panel.h"
#include "ui/fact_table_model.h"
#include "ui/history_panel.h"
#include "ui/latency_probe.h"
#include "ui/main_window.h"
#include "ui/project_manager.h"
#include "ui/results_panel.h"
#include "ui/run_comparison.h"
#include "ui/session_controller.h"
#include "ui/surgery_panel.h"
#include "ui/surgery_settings_form.h"
#include "ui/trace_panel.h"
#include "ui/training_plots.h"
#include "ui/training_process.h"

#include <QCheckBox>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace llms;
using namespace llms::ui;

namespace {

constexpr int kWaitMs = 240000;   // generous: the machine may be shared

facts::FactSet tinyFacts() {
    return facts::parse_jsonl(
        "{\"kind\":\"forget\",\"prompt\":\"The capital of France is\",\"answer\":\" Paris\"}\n"
        "{\"kind\":\"forget\",\"prompt\":\"The sun rises in the\",\"answer\":\" east\"}\n"
        "{\"kind\":\"update\",\"prompt\":\"The largest planet is\",\"answer\":\" Jupiter\",\"new_answer\":\" Saturn\"}\n"
        "{\"kind\":\"retain\",\"prompt\":\"Water freezes at\",\"answer\":\" zero degrees\"}\n");
}

surgery::SurgeryConfig shortRun(int steps) {
    auto c = surgery::SurgeryConfig::preset_named("demo");
    c.steps = steps;
    c.eval_every = 4;
    c.early_stop = false;
    c.retain_pool_per_step = 8;
    c.batch_size = 4;
    return c;
}

// Copies the tiny model into a fresh folder (the app must never write into it anyway).
QString copyTinyModel(const QTemporaryDir& tmp) {
    const QString dst = tmp.filePath("tiny-llama");
    QDir().mkpath(dst);
    for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"})
        if (!QFile::copy(QString(LLMS_TEST_DATA) + "/tiny-llama/" + f, dst + "/" + f)) return {};
    return dst;
}

bool waitIdle(SessionController& c) {
    if (!c.busy()) return true;
    QSignalSpy idle(&c, &SessionController::busyChanged);
    return QTest::qWaitFor([&] { return !c.busy(); }, kWaitMs);
}

QStringList askNow(SessionController& c, const QStringList& prompts) {
    QSignalSpy answered(&c, &SessionController::answered);
    c.ask(prompts);
    if (!answered.wait(kWaitMs)) return {};
    return answered.takeFirst().at(1).toStringList();
}

}  // namespace

class TestUiSurgery : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString model_;

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);   // autosave and settings stay out of the user's folders
        QVERIFY(tmp_.isValid());
        model_ = copyTinyModel(tmp_);
        QVERIFY(!model_.isEmpty());
    }

    void openFailsWithAUsefulMessage() {
        SessionController c;
        QSignalSpy failed(&c, &SessionController::failed);
        c.openModel(tmp_.filePath("no-such-model"));
        QVERIFY(failed.wait(kWaitMs));
        QCOMPARE(failed.first().at(0).value<Task>(), Task::OpenModel);
        QVERIFY(failed.first().at(2).toString().contains("no-such-model"));
        QVERIFY(waitIdle(c));
        QVERIFY(!c.hasModel());
    }

    void loadAskProbe() {
        SessionController c;
        QSignalSpy opened(&c, &SessionController::modelOpened);
        QSignalSpy progress(&c, &SessionController::progress);
        QSignalSpy busy(&c, &SessionController::busyChanged);
        c.openModel(model_);
        QVERIFY(c.busy());   // returned at once; the worker loads
        QVERIFY(opened.wait(kWaitMs));
        QVERIFY(progress.count() >= 2);
        QCOMPARE(progress.last().at(1).toDouble(), 1.0);
        const auto card = opened.first().at(0).value<session::ModelCard>();
        QCOMPARE(card.layers, 2);
        QCOMPARE(card.kv_heads, 2);
        QCOMPARE(card.vocab_size, 512);
        QVERIFY(card.has_tokenizer);
        QVERIFY(card.parameters > 100000);
        QVERIFY(waitIdle(c));
        QCOMPARE(busy.first().at(0).toBool(), true);
        QCOMPARE(busy.last().at(0).toBool(), false);

        const QStringList a = askNow(c, {"The capital of France is", "Water freezes at"});
        QCOMPARE(a.size(), 2);
        QCOMPARE(askNow(c, {"The capital of France is"}).first(), a.first());   // greedy: deterministic

        QSignalSpy probed(&c, &SessionController::probed);
        session::SampleOptions o;
        o.max_new_tokens = 6;
        c.probe("The capital of France is", o, tinyFacts());
        QVERIFY(probed.wait(kWaitMs));
        const auto r = probed.first().at(0).value<session::ProbeResult>();
        QCOMPARE(r.edited_run, 0);
        QCOMPARE(r.original.tokens.size(), r.edited.tokens.size());
        QVERIFY(!r.original.tokens.empty() && r.original.tokens.size() <= 6);
        for (const auto& t : r.original.tokens) QVERIFY(t.prob > 0 && t.prob <= 1);
        QCOMPARE(r.answers.size(), size_t(1));   // the fact with this prompt: its answer
        QCOMPARE(r.answers[0].answer, std::string(" Paris"));
        QVERIFY(r.answers[0].p_original > 0 && r.answers[0].p_original < 1);
    }

    void surgeryStreamsMetricsThenRevertUseExport() {
        SessionController c;
        c.openModel(model_);
        QVERIFY(waitIdle(c));
        QVERIFY(c.hasModel());
        const QStringList prompts = {"The capital of France is", "The largest planet is", "Water freezes at"};
        const QStringList original = askNow(c, prompts);

        QSignalSpy steps(&c, &SessionController::steps);
        QSignalSpy evals(&c, &SessionController::evalPoint);
        QSignalSpy phases(&c, &SessionController::phase);
        QSignalSpy finished(&c, &SessionController::runFinished);
        QSignalSpy running(&c, &SessionController::runningChanged);
        LatencyProbe latency;
        latency.start();
        c.startSurgery(tinyFacts(), shortRun(12));
        QVERIFY(c.running());
        QVERIFY(finished.wait(kWaitMs));
        latency.stop();
        // Latency is printed, not asserted (a shared machine makes it vary): the event loop served the probe's timer
        // all through the run.
        qInfo("GUI event-loop latency while training: %s", qPrintable(latency.summary()));
        QVERIFY(latency.samples() > 0);

        int seen = 0, last = 0;
        for (const auto& args : steps) {
            const auto batch = args.at(0).value<std::vector<surgery::StepMetrics>>();
            QVERIFY(!batch.empty());
            for (const auto& s : batch) {
                QCOMPARE(s.step, last + 1);   // in order, none lost
                last = s.step;
                QCOMPARE(s.steps, 12);
                QVERIFY(std::isfinite(s.total) && std::isfinite(s.grad_norm));
                ++seen;
            }
        }
        QCOMPARE(seen, 12);
        QCOMPARE(evals.count(), 3);   // steps 4, 8, 12
        QCOMPARE(evals.at(2).at(0).value<surgery::EvalPoint>().step, 12);
        QVERIFY(phases.count() >= 3);   // measuring, preparing, training, measuring
        QCOMPARE(running.count(), 2);
        QVERIFY(!c.running());

        const auto run = finished.first().at(0).value<session::RunRecord>();
        QCOMPARE(run.id, 1);
        QCOMPARE(run.outcome.end, surgery::SurgeryOutcome::End::Completed);
        QCOMPARE(run.outcome.steps_done, 12);
        QCOMPARE(run.steps.size(), size_t(12));
        QVERIFY(run.report.has_value());
        QVERIFY(run.report->before.has_value());
        QCOMPARE(run.report->after.forget.n, 2);
        QCOMPARE(run.report->after.update.n, 1);
        QCOMPARE(run.report->after.facts.size(), size_t(4));
        QVERIFY(run.weights_kept);
        QVERIFY(waitIdle(c));
        QCOMPARE(c.activeRun(), 1);
        QCOMPARE(c.history().size(), size_t(1));
        QVERIFY(c.memory().runs_bytes > 0);

        // The update was trained on: its new answer became likelier.
        const auto& up = run.report->after.update;
        QVERIFY(up.answer_prob > run.report->before->update.answer_prob);
        const QStringList edited = askNow(c, prompts);

        // Revert: the original answers come back; use the run: the edited ones.
        QSignalSpy active(&c, &SessionController::activeRunChanged);
        c.revertToOriginal();
        QVERIFY(active.wait(kWaitMs));
        QCOMPARE(c.activeRun(), 0);
        QCOMPARE(askNow(c, prompts), original);
        c.useRun(1);
        QVERIFY(waitIdle(c));
        QCOMPARE(c.activeRun(), 1);
        QCOMPARE(askNow(c, prompts), edited);

        // Export the run as bfloat16 and as float32; the float32 folder loads and answers as the run does.
        QSignalSpy exported(&c, &SessionController::exported);
        QSignalSpy failed(&c, &SessionController::failed);
        session::ExportOptions eo;
        eo.dtype = "float32";
        const QString out = tmp_.filePath("edited-f32");
        c.exportModel(out, 1, eo);
        QVERIFY(exported.wait(kWaitMs));
        QVERIFY(QFile::exists(out + "/config.json"));
        QVERIFY(QFile::exists(out + "/model.safetensors"));
        QVERIFY(QFile::exists(out + "/tokenizer.model"));
        eo.dtype = "bfloat16";
        c.exportModel(tmp_.filePath("edited-bf16"), 1, eo);
        QVERIFY(exported.wait(kWaitMs));
        QVERIFY(QFileInfo(tmp_.filePath("edited-bf16/model.safetensors")).size() <
                QFileInfo(out + "/model.safetensors").size());
        // The same run as one GGUF file for llama.cpp (tools/check_gguf_llama_cpp.mjs checks what llama.cpp reads).
        session::ExportOptions go;
        go.gguf_type = "q8_0";
        c.exportModel(tmp_.filePath("edited.gguf"), 1, go);
        QVERIFY(exported.wait(kWaitMs));
        const auto gguf = gguf::GgufFile::open(tmp_.filePath("edited.gguf").toStdString());
        QCOMPARE(gguf.metadata().find("general.architecture")->s, std::string("llama"));
        QCOMPARE(gguf.find("blk.0.attn_q.weight")->type, gguf::TensorType::Q8_0);
        // Refused: writing over the source folder; an existing folder without overwrite.
        c.exportModel(model_, 1, eo);
        QVERIFY(failed.wait(kWaitMs));
        c.exportModel(out, 0, eo);
        QVERIFY(failed.wait(kWaitMs));
        QCOMPARE(failed.count(), 2);
        QVERIFY(waitIdle(c));

        SessionController reloaded;
        reloaded.openModel(out);
        QVERIFY(waitIdle(reloaded));
        QVERIFY(reloaded.hasModel());
        QCOMPARE(askNow(reloaded, prompts), edited);
    }

    // A LoRA run (the form's LoRA settings round-trip): its weights are the model with the adapter merged, and its
    // adapter exports as a PEFT folder and as a GGUF LoRA file; the original model has no adapter to export.
    void loraRunExportsItsAdapter() {
        SurgerySettingsForm form;
        auto cfg = shortRun(8);
        cfg.lora = "4:8";
        cfg.lora_targets = "q,v";
        form.setConfig(cfg);
        QCOMPARE(form.config().lora, std::string("4:8"));
        QCOMPARE(form.config().lora_targets, std::string("q,v"));
        QVERIFY2(form.problems().isEmpty(), qPrintable(form.problems().join("; ")));
        cfg.train_params = "mlp";
        form.setConfig(cfg);
        QVERIFY(form.problems().join(" ").contains("LoRA"));
        cfg.train_params = "all";

        SessionController c;
        c.openModel(model_);
        QVERIFY(waitIdle(c));
        QSignalSpy finished(&c, &SessionController::runFinished);
        c.startSurgery(tinyFacts(), cfg);
        QVERIFY(finished.wait(kWaitMs));
        const auto run = finished.first().at(0).value<session::RunRecord>();
        QCOMPARE(run.outcome.steps_done, 8);
        QVERIFY(run.adapter_kept && run.weights_kept);
        QVERIFY(waitIdle(c));

        QSignalSpy exported(&c, &SessionController::exported);
        QSignalSpy failed(&c, &SessionController::failed);
        session::ExportOptions eo;
        eo.adapter = "peft";
        c.exportModel(tmp_.filePath("lora-adapter"), run.id, eo);
        QVERIFY(exported.wait(kWaitMs));
        QFile config(tmp_.filePath("lora-adapter/adapter_config.json"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const auto j = QJsonDocument::fromJson(config.readAll()).object();
        QCOMPARE(j["peft_type"].toString(), QString("LORA"));
        QCOMPARE(j["r"].toInt(), 4);
        QCOMPARE(j["lora_alpha"].toDouble(), 8.0);
        QVERIFY(QFile::exists(tmp_.filePath("lora-adapter/adapter_model.safetensors")));
        eo.adapter = "gguf";
        eo.gguf_type = "f32";
        c.exportModel(tmp_.filePath("lora.gguf"), run.id, eo);
        QVERIFY(exported.wait(kWaitMs));
        const auto g = gguf::GgufFile::open(tmp_.filePath("lora.gguf").toStdString());
        QCOMPARE(g.metadata().find("general.type")->s, std::string("adapter"));
        QCOMPARE(g.tensors().size(), size_t(8));   // 2 layers x q, v x A, B
        QVERIFY(g.find("blk.1.attn_v.weight.lora_b"));
        eo.adapter = "peft";
        c.exportModel(tmp_.filePath("no-adapter"), 0, eo);
        QVERIFY(failed.wait(kWaitMs));
        QVERIFY(!QFile::exists(tmp_.filePath("no-adapter")));
        QVERIFY(waitIdle(c));
    }

    void stopMidRunAndPause() {
        SessionController c;
        c.openModel(model_);
        QVERIFY(waitIdle(c));
        QSignalSpy steps(&c, &SessionController::steps);
        QSignalSpy finished(&c, &SessionController::runFinished);
        QSignalSpy paused(&c, &SessionController::pausedChanged);
        QSignalSpy held(&c, &SessionController::runPaused);
        c.startSurgery(tinyFacts(), shortRun(100000));
        QVERIFY(steps.wait(kWaitMs));

        // The run acknowledges the pause after a step; every step before it has arrived, none comes after it.
        auto lastStep = [&] { return steps.last().at(0).value<std::vector<surgery::StepMetrics>>().back().step; };
        c.pause(true);
        QVERIFY(c.paused());
        QCOMPARE(paused.count(), 1);
        QVERIFY(held.wait(kWaitMs));
        QCOMPARE(held.first().at(1).toBool(), true);
        const int heldAt = held.first().at(0).toInt();
        QCOMPARE(lastStep(), heldAt);
        const int before = steps.count();
        c.pause(false);
        QVERIFY(QTest::qWaitFor([&] { return held.count() == 2; }, kWaitMs));
        QCOMPARE(held.at(1).at(1).toBool(), false);
        QCOMPARE(held.at(1).at(0).toInt(), heldAt);   // resumed where it stopped
        QCOMPARE(steps.count(), before);               // nothing while it was held (signals arrive in order)
        QVERIFY(steps.wait(kWaitMs));                  // resumed
        QCOMPARE(steps.at(before).at(0).value<std::vector<surgery::StepMetrics>>().front().step, heldAt + 1);

        c.stop();
        QVERIFY(finished.wait(kWaitMs));
        const auto run = finished.first().at(0).value<session::RunRecord>();
        QCOMPARE(run.outcome.end, surgery::SurgeryOutcome::End::Stopped);
        QVERIFY(run.outcome.steps_done > 0 && run.outcome.steps_done < 100000);
        QVERIFY(run.report.has_value());         // a stopped run is still measured
        QVERIFY(run.weights_kept);
        QVERIFY(waitIdle(c));
        QCOMPARE(c.activeRun(), run.id);
    }

    void destroyingTheControllerStopsARun() {
        auto c = std::make_unique<SessionController>();
        c->openModel(model_);
        QVERIFY(waitIdle(*c));
        QSignalSpy steps(c.get(), &SessionController::steps);
        c->startSurgery(tinyFacts(), shortRun(100000));
        QVERIFY(steps.wait(kWaitMs));
        c.reset();   // stop flag, quit, wait, delete: returns once the worker has stopped (a hang is CTest's timeout)
        QVERIFY(!c);
    }

    // First run: the demo model is built with visible progress and can be stopped (then nothing is left that
    // looks like a model). Uses a scratch XDG_DATA_HOME and the source tree's world data.
    void demoModelBuildShowsProgressAndStops() {
        QTemporaryDir data;
        const QByteArray oldXdg = qgetenv("XDG_DATA_HOME");
        qputenv("XDG_DATA_HOME", data.path().toUtf8());
        const QString oldCwd = QDir::currentPath();
        QDir::setCurrent(LLMS_SOURCE_DIR);   // ./resources/world
        SessionController c;
        QSignalSpy progress(&c, &SessionController::progress);
        QSignalSpy phases(&c, &SessionController::phase);
        QSignalSpy failed(&c, &SessionController::failed);
        QSignalSpy ready(&c, &SessionController::demoModelReady);
        c.prepareDemoModel();
        QVERIFY(c.buildingDemo());
        QVERIFY(QTest::qWaitFor([&] { return phases.count() >= 1 || !failed.isEmpty(); }, kWaitMs));
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(2).toString()));
        c.stop();
        QVERIFY(failed.wait(kWaitMs));
        QCOMPARE(failed.first().at(0).value<Task>(), Task::DemoModel);
        QVERIFY(failed.first().at(2).toString().contains("stopped"));
        QVERIFY(ready.isEmpty());
        QVERIFY(!c.buildingDemo());
        QVERIFY(!QFileInfo::exists(data.filePath("llm-surgery/demo-model/config.json")));
        QVERIFY(progress.count() >= 1);
        QDir::setCurrent(oldCwd);
        if (oldXdg.isNull()) qunsetenv("XDG_DATA_HOME");
        else qputenv("XDG_DATA_HOME", oldXdg);
    }

    void plotsCoalesceRedraws() {
        TrainingPlots plots;
        plots.resize(800, 600);
        plots.show();
        QElapsedTimer t;
        t.start();
        int step = 0;
        for (int b = 0; b < 200; ++b) {         // 2000 steps in 200 batches, as fast as they come
            std::vector<surgery::StepMetrics> batch(10);
            for (auto& s : batch) {
                s.step = ++step;
                s.steps = 2000;
                s.loss_forget = 1 + step * 0.001, s.loss_update = 5.0 / step, s.loss_retain = 0.01, s.total = 1;
                s.grad_norm = 1;
            }
            plots.addSteps(batch);
            if (b % 4 == 0) QTest::qWait(5);
        }
        QTest::qWait(2 * 40 + 100);              // the last coalesced redraw
        const double ms = t.elapsed();
        QCOMPARE(plots.pointCount(), 2000);
        // At most one redraw per plot per 40 ms window (+1 for the trailing one).
        QVERIFY2(plots.replotCount() <= 3 * (int)(ms / 40 + 2),
                 qPrintable(QString("%1 redraws in %2 ms").arg(plots.replotCount()).arg(ms)));
        QVERIFY(plots.replotCount() >= 3);
        QVERIFY(plots.save(tmp_.filePath("curves.png")));
        QVERIFY(plots.save(tmp_.filePath("curves.pdf")));
        QVERIFY(QFileInfo(tmp_.filePath("curves.pdf")).size() > 1000);
    }

    // ROME beside the surgery in the app: the Causal trace tab traces the facts on the original weights and hands
    // its layer to the settings, a ROME run edits with it (no training steps), and the Results tab shows both runs
    // side by side; the project keeps the ROME settings.
    void closedFormEditingInTheApp() {
        AppSettings settings(tmp_.filePath("closed-form.ini"));
        MainWindow w(&settings);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openPath(model_));
        QVERIFY(waitIdle(*w.controller()));
        w.factsPanel()->model()->loadFacts(tinyFacts());

        auto* form = w.surgeryPanel()->form();
        auto cfg = shortRun(6);
        cfg.method = surgery::Method::Rome;
        cfg.edit.cov_samples = 2000;   // the tiny model: a small sample is plenty
        cfg.edit.v_steps = 10;
        cfg.edit.cache_dir = tmp_.filePath("covariance-cache").toStdString();   // not the user's cache
        form->setConfig(cfg);
        QCOMPARE(form->config().method, surgery::Method::Rome);
        QCOMPARE(form->config().edit.layers, std::string("auto"));
        QCOMPARE(form->config().edit.cov_samples, int64_t(2000));
        QCOMPARE(form->config().edit.v_steps, 10);   // not on the form: kept as loaded
        QCOMPARE(form->config().edit.cache_dir, cfg.edit.cache_dir);

        // The trace: the two forget facts and the update's old answer, on both layers of the tiny model.
        QSignalSpy traced(w.controller(), &SessionController::traced);
        QSignalSpy traceProgress(w.controller(), &SessionController::traceProgress);
        w.tracePanel()->startTrace();
        QVERIFY(w.controller()->tracing());
        QVERIFY(traced.wait(kWaitMs));
        QVERIFY(waitIdle(*w.controller()));
        QVERIFY(!w.controller()->tracing());
        QVERIFY(traceProgress.count() >= 1);
        const auto summary = traced.first().at(0).value<edit::TraceSummary>();
        QCOMPARE(summary.grids.size(), size_t(3));
        QCOMPARE(summary.grids[0].prompt, std::string("The capital of France is"));
        QCOMPARE(summary.grids[0].layers, 2);
        QCOMPARE(summary.grids[0].state.size(), size_t(2) * summary.grids[0].tokens.size());
        QCOMPARE(summary.mlp_effect.size(), size_t(2));
        QCOMPARE(summary.chosen_layers, std::vector<int>{0});   // never the last layer
        QCOMPARE(w.tracePanel()->factChooser()->count(), 3);
        w.tracePanel()->factChooser()->setCurrentIndex(2);   // the update fact's old answer
        QCOMPARE(w.tracePanel()->summary().grids[2].answer, std::string(" Jupiter"));
        for (auto* b : w.tracePanel()->findChildren<QPushButton*>())
            if (b->text().startsWith("Use these layers")) b->click();
        QCOMPARE(form->config().edit.layers, std::string("0"));

        // ROME with that layer, then a short surgery: two runs, side by side.
        QSignalSpy finished(w.controller(), &SessionController::runFinished);
        QVERIFY2(w.surgeryPanel()->start(), qPrintable(w.surgeryPanel()->whyNotReady()));
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(waitIdle(*w.controller()));
        const auto rome = finished.first().at(0).value<session::RunRecord>();
        QCOMPARE(rome.config.method, surgery::Method::Rome);
        QVERIFY2(rome.outcome.end == surgery::SurgeryOutcome::End::Completed ||
                     rome.outcome.end == surgery::SurgeryOutcome::End::TargetsMet,
                 rome.outcome.message.c_str());
        QVERIFY(rome.report.has_value());
        QCOMPARE(rome.report->method, std::string("rome"));
        auto* bar = w.surgeryPanel()->findChild<QProgressBar*>();   // facts edited, not steps
        QVERIFY(bar);
        QCOMPARE(bar->text(), QString("3 of 3 facts edited"));
        QVERIFY(w.surgeryPanel()->plots()->isHidden());   // no training curves: the panel says why instead
        auto surgeryCfg = shortRun(6);
        form->setConfig(surgeryCfg);
        QVERIFY(w.surgeryPanel()->start());
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(waitIdle(*w.controller()));
        QVERIFY2(bar->text().startsWith("step ") && bar->text().endsWith(" of at most 6"), qPrintable(bar->text()));
        QVERIFY(!w.surgeryPanel()->plots()->isHidden());

        w.resultsPanel()->showSideBySide(true);
        auto* table = w.resultsPanel()->comparison()->table();
        QCOMPARE(table->columnCount(), 3);   // the original, run 1 (ROME), run 2 (surgery)
        QVERIFY(table->horizontalHeaderItem(1)->text().contains("rome"));
        QVERIFY(table->horizontalHeaderItem(2)->text().contains("llm-surgery"));
        int updateRow = -1;
        for (int r = 0; r < table->rowCount(); ++r)
            if (table->verticalHeaderItem(r)->text().startsWith("update: exact match")) updateRow = r;
        QVERIFY(updateRow >= 0);
        const auto& after = w.controller()->history();
        QCOMPARE(table->item(updateRow, 1)->text(),
                 QString::number(100 * after[0].report->after.update.exact_match, 'f', 1) + "%");
        QCOMPARE(table->item(updateRow, 0)->text(),
                 QString::number(100 * after[0].report->before->update.exact_match, 'f', 1) + "%");

        // The project keeps the ROME run's settings.
        const QString proj = tmp_.filePath("closed-form.llmsproj");
        QVERIFY(w.projects()->save(proj));
        MainWindow w2(&settings);
        QVERIFY(w2.openPath(proj));
        QVERIFY(waitIdle(*w2.controller()));
        QTRY_COMPARE_WITH_TIMEOUT(w2.controller()->history().size(), size_t(2), kWaitMs);
        QCOMPARE(w2.controller()->history()[0].config.method, surgery::Method::Rome);
        QCOMPARE(w2.controller()->history()[0].config.edit.layers, std::string("0"));
        QCOMPARE(w2.controller()->history()[0].config.edit.cov_samples, int64_t(2000));
    }

    void mainWindowEndToEnd() {
        AppSettings settings(tmp_.filePath("window.ini"));
        MainWindow w(&settings);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openPath(model_));
        QVERIFY(waitIdle(*w.controller()));
        QVERIFY(w.controller()->hasModel());
        QCOMPARE(settings.recentModels().first(), QDir::cleanPath(model_));

        // Nothing to change yet: the panel says why instead of starting.
        QVERIFY(!w.surgeryPanel()->whyNotReady().isEmpty());
        w.factsPanel()->model()->loadFacts(tinyFacts());
        auto cfg = shortRun(6);
        w.surgeryPanel()->form()->setConfig(cfg);
        QVERIFY2(w.surgeryPanel()->whyNotReady().isEmpty(), qPrintable(w.surgeryPanel()->whyNotReady()));
        QSignalSpy finished(w.controller(), &SessionController::runFinished);
        w.surgeryPanel()->startAction()->trigger();
        QVERIFY(w.controller()->running());
        QVERIFY(!w.surgeryPanel()->startAction()->isEnabled());
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(waitIdle(*w.controller()));
        QVERIFY(w.latency()->samples() > 0);

        QCOMPARE(w.resultsPanel()->shownRun(), 1);
        QVERIFY(w.resultsPanel()->metricTable()->rowCount() >= 6);
        QCOMPARE(w.resultsPanel()->factTable()->rowCount(), 4);
        QVERIFY(w.resultsPanel()->saveReport(tmp_.filePath("report.md")));
        QVERIFY(w.resultsPanel()->saveReport(tmp_.filePath("report.json")));
        QVERIFY(w.resultsPanel()->savePlots(tmp_.filePath("plots.png")));
        QVERIFY(w.resultsPanel()->savePlots(tmp_.filePath("plots.pdf")));
        QVERIFY(QImage(tmp_.filePath("plots.png")).width() == 1200);
        QCOMPARE(w.historyPanel()->table()->rowCount(), 1);

        // The project remembers facts, settings and the run; reopening restores them (runs as records).
        QVERIFY(w.projects()->isModified());
        const QString proj = tmp_.filePath("p.llmsproj");
        QVERIFY(w.projects()->save(proj));
        QVERIFY(!w.projects()->isModified());
        MainWindow w2(&settings);
        QVERIFY(w2.openPath(proj));
        QVERIFY(waitIdle(*w2.controller()));
        QTRY_COMPARE_WITH_TIMEOUT(w2.controller()->history().size(), size_t(1), kWaitMs);
        QCOMPARE(w2.factsPanel()->facts(), tinyFacts());
        QCOMPARE(w2.surgeryPanel()->form()->config().steps, 6);
        QVERIFY(!w2.controller()->history()[0].weights_kept);
        QVERIFY(w2.controller()->history()[0].report.has_value());
    }
};

// As the app: passive OpenMP waiting (the test trains while the GUI thread and other processes compete).
int main(int argc, char** argv) {
    llms::ui::prepareTrainingProcess(argv);
    QApplication app(argc, argv);
    TestUiSurgery t;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&t, argc, argv);
}
#include "test_ui_surgery.moc"

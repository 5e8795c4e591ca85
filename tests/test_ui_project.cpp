// Projects and settings: the project file round trip (facts, settings, run records with metrics and reports),
// refusals with useful messages, typed settings over QSettings, autosave + crash recovery, and the
// "unsaved changes" question on close.
#include "core/common/error.h"
#include "core/session/project_file.h"
#include "ui/app_settings.h"
#include "ui/fact_table_model.h"
#include "ui/facts_panel.h"
#include "ui/main_window.h"
#include "ui/project_manager.h"
#include "ui/surgery_panel.h"
#include "ui/surgery_settings_form.h"

#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace llms;
using namespace llms::ui;

namespace {

// Clicks `button` on the next modal message box as soon as it is open. It polls: a single delayed click would
// find no box when the box opens late, and the test would then wait forever instead of failing.
void answerNextMessageBox(QMessageBox::StandardButton button) {
    auto* poll = new QTimer;
    poll->setInterval(10);
    QObject::connect(poll, &QTimer::timeout, [poll, button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) return;
        poll->stop();
        poll->deleteLater();
        box->button(button)->click();
    });
    poll->start();
}

facts::FactSet someFacts() {
    return facts::parse_jsonl(
        "{\"kind\":\"forget\",\"prompt\":\"The capital of Australia is\",\"answer\":\" Canberra\",\"paraphrases\":[\"Australia's capital:\"]}\n"
        "{\"kind\":\"update\",\"prompt\":\"The largest planet is\",\"answer\":\" Jupiter\",\"new_answer\":\" Saturn\",\"tags\":[\"astro\"]}\n"
        "{\"kind\":\"retain\",\"prompt\":\"Water freezes at\",\"answer\":\" 0 degrees\",\"id\":\"w\"}\n");
}

session::RunRecord someRun() {
    session::RunRecord r;
    r.id = 3;
    r.base = 0;
    r.started = "2024-05-01 10:00:00";
    r.facts = someFacts();
    r.config = surgery::SurgeryConfig::preset_named("paper");
    r.config.method = surgery::Method::Npo;
    r.config.seed = 42;
    r.outcome.end = surgery::SurgeryOutcome::End::TargetsMet;
    r.outcome.message = "every target met at step 2";
    r.outcome.steps_done = 2;
    r.outcome.seconds = 1.5;
    r.outcome.tokens = 1234;
    for (int i = 1; i <= 2; ++i) {
        surgery::StepMetrics s;
        s.step = i, s.steps = 300, s.loss_forget = 1.25 * i, s.loss_edit = 0.5, s.loss_update = 3.0 / i, s.loss_retain = 0.01;
        s.total = -0.3, s.grad_norm = 2.5, s.lr = 2e-4, s.tokens_per_s = 1000, s.seconds = 0.5 * i, s.active_forget = 1;
        r.steps.push_back(s);
    }
    r.evals.push_back({2, 0.0, 1.0, 1.0});
    eval::Report rep;
    rep.model = "/models/demo";
    rep.method = "npo";
    rep.preset = "paper";
    rep.steps = 2;
    rep.seconds = 1.5;
    rep.tokens = 1234;
    rep.outcome = r.outcome.message;
    eval::Measurement before, after;
    before.forget = {1, 1.0, 0.9, 0.1, 1.0, 1.0, 0.5, std::nullopt};
    after.forget = {1, 0.0, 0.01, 4.6, 0.0, 0.0, 0.0, std::nullopt};
    after.retain = {1, 1.0, 0.8, 0.2, 1.0, 1.0, std::nullopt, 0.002};
    before.retain = {1, 1.0, 0.8, 0.2, 1.0, 1.0, std::nullopt, 0.0};
    after.fluency_ppl = 12.5;
    before.fluency_ppl = 12.0;
    before.facts.push_back({"", "forget", "The capital of Australia is", " Canberra", " Canberra.", true, 0.9});
    after.facts.push_back({"", "forget", "The capital of Australia is", " Canberra", " the city", false, 0.01});
    rep.before = before;
    rep.after = after;
    r.report = rep;
    return r;
}

}  // namespace

class TestUiProject : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void projectRoundTrip() {
        session::Project p;
        p.model_dir = "/models/demo";
        p.facts = someFacts();
        p.surgery = surgery::SurgeryConfig::preset_named("demo");
        p.surgery.train_params = "layers:1-2";
        p.surgery.precision = "bf16";
        p.surgery.checkpoint_layers = true;
        p.probe.max_new_tokens = 7;
        p.probe.temperature = 0.7;
        p.from_original = false;
        p.runs.push_back(someRun());
        const QString path = tmp_.filePath("a.llmsproj");
        session::save_project(p, path.toStdString());
        const auto q = session::load_project(path.toStdString());
        QVERIFY(q == p);
        QCOMPARE(q.facts, p.facts);
        QCOMPARE(q.surgery.train_params, std::string("layers:1-2"));
        QCOMPARE(q.surgery.precision, std::string("bf16"));
        QVERIFY(q.surgery.checkpoint_layers);
        QCOMPARE(q.probe.temperature, 0.7);
        QCOMPARE(q.from_original, false);
        QCOMPARE(q.runs.size(), size_t(1));
        const auto& r = q.runs[0];
        QCOMPARE(r.config.method, surgery::Method::Npo);
        QCOMPARE(r.config.seed, uint64_t(42));
        QCOMPARE(r.outcome.end, surgery::SurgeryOutcome::End::TargetsMet);
        QCOMPARE(r.steps.size(), size_t(2));
        QCOMPARE(r.steps[1].loss_forget, 2.5);
        QCOMPARE(r.steps[1].steps, 300);
        QCOMPARE(r.evals[0].update_acc, 1.0);
        QVERIFY(!r.weights_kept);
        QVERIFY(r.report.has_value());
        QCOMPARE(r.report->to_json(), someRun().report->to_json());   // the report survives exactly
        QVERIFY(r.report->after.retain.kl.has_value());
        QCOMPARE(*r.report->after.fluency_ppl, 12.5);
    }

    void projectRefusals_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expect");
        QTest::newRow("not json") << "{oops" << "not a valid project file";
        QTest::newRow("other format") << "{\"format\":\"x\",\"version\":1}" << "not an llm-surgery project";
        QTest::newRow("future version") << "{\"format\":\"llm-surgery-project\",\"version\":99}" << "version 99";
        QTest::newRow("bad fact") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"facts\":[{\"kind\":\"forget\",\"prompt\":\"x\"}]}"
                                  << "answer";
        QTest::newRow("bad method") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"surgery\":{\"method\":\"magic\"}}"
                                    << "unknown surgery method";
        QTest::newRow("bad type") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"surgery\":{\"steps\":\"many\"}}"
                                  << "\"steps\"";
        // Hostile files (input-safety review M1, M2, L4): each one line naming the file, never another exception.
        QTest::newRow("format 5") << "{\"format\":5,\"version\":1}" << "not an llm-surgery project";
        QTest::newRow("version as text") << "{\"format\":\"llm-surgery-project\",\"version\":\"1\"}" << "\"version\"";
        QTest::newRow("run outcome 5") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"runs\":[{\"outcome\":5}]}"
                                       << "not a valid project file";
        QTest::newRow("steps 1e300") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"surgery\":{\"steps\":1e300}}"
                                     << "must be an integer";
        QTest::newRow("facts 200000 deep")
            << "{\"format\":\"llm-surgery-project\",\"version\":1,\"facts\":" + QString(200000, '[') + QString(200000, ']') + "}"
            << "nested deeper";
        QTest::newRow("number beyond a double") << "{\"format\":\"llm-surgery-project\",\"version\":1,\"x\":1e400}"
                                                << "not a valid project file";
    }

    void projectRefusals() {
        QFETCH(QString, text);
        QFETCH(QString, expect);
        try {
            session::project_from_json(text.toStdString(), "x.llmsproj");
            QFAIL("accepted");
        } catch (const Error& e) {
            const QString m = QString::fromStdString(e.what());
            QVERIFY2(m.contains(expect) && m.contains("x.llmsproj"), qPrintable(m));
        }
        QVERIFY_THROWS_EXCEPTION(Error, session::load_project(tmp_.filePath("missing.llmsproj").toStdString()));
    }

    void typedSettings() {
        const QString ini = tmp_.filePath("s.ini");
        {
            AppSettings s(ini);
            QCOMPARE(s.device(), QString("cpu"));
            QCOMPARE(s.surgeryConfig().preset, std::string("demo"));
            for (int i = 0; i < 10; ++i) s.addRecentModel(QString("/m/%1").arg(i));
            s.addRecentModel("/m/3/");   // again, with a trailing slash: moves to the front
            auto c = surgery::SurgeryConfig::preset_named("paper");
            c.steps = 77;
            c.method = surgery::Method::GradDiff;
            s.setSurgeryConfig(c);
            session::SampleOptions o;
            o.max_new_tokens = 5;
            o.top_p = 0.9;
            s.setProbeOptions(o);
            s.setExportDtype("bfloat16");
        }
        AppSettings s(ini);
        const auto recent = s.recentModels();
        QCOMPARE(recent.size(), AppSettings::kMaxRecent);
        QCOMPARE(recent.first(), QString("/m/3"));
        QCOMPARE(recent.count("/m/3"), 1);
        QCOMPARE(s.surgeryConfig().steps, 77);
        QCOMPARE(s.surgeryConfig().method, surgery::Method::GradDiff);
        QCOMPARE(s.probeOptions().max_new_tokens, 5);
        QCOMPARE(s.probeOptions().top_p, 0.9);
        QCOMPARE(s.exportDtype(), QString("bfloat16"));
    }

    void settingsFormRoundTrip() {
        SurgerySettingsForm form;
        auto c = surgery::SurgeryConfig::preset_named("paper");
        c.method = surgery::Method::Finetune;
        c.lr = 3e-5;
        c.schedule = "cosine";
        c.warmup_steps = 7;
        c.seed = 123456789;
        c.train_params = "mlp";
        c.early_stop = false;
        c.precision = "bf16";
        c.checkpoint_layers = true;
        form.setConfig(c);
        const auto back = form.config();
        QCOMPARE(session::config_to_json(back), session::config_to_json(c));
        QVERIFY(form.problems().isEmpty());
        // An edit marks the preset as customised; a bad value shows as a problem.
        QSignalSpy changed(&form, &SurgerySettingsForm::changed);
        auto d = back;
        d.warmup_steps = d.steps;   // invalid: warm-up must be shorter than the run
        form.setConfig(d);
        QVERIFY(!form.problems().isEmpty());
        form.applyPreset("demo");
        QCOMPARE(form.config().preset, std::string("demo"));
        QCOMPARE(form.config().method, surgery::Method::Finetune);   // a preset keeps the method
        QVERIFY(changed.count() >= 1);
    }

    void autosaveAndRecovery() {
        AppSettings settings(tmp_.filePath("w.ini"));
        {
            MainWindow w(&settings);
            w.projects()->discardAutosave();
            QVERIFY(!w.projects()->pendingRecovery());
            w.factsPanel()->model()->importFacts(someFacts(), true);
            QVERIFY(w.projects()->isModified());
            w.projects()->writeAutosave();   // what the timer does; the window then "crashes" (no close)
        }
        MainWindow w(&settings);
        const auto rec = w.projects()->pendingRecovery();
        QVERIFY(rec.has_value());
        QCOMPARE(rec->facts, someFacts());
        // offerRecovery asks; answer Yes.
        answerNextMessageBox(QMessageBox::Yes);
        w.offerRecovery();
        QCOMPARE(w.factsPanel()->facts(), someFacts());
        QVERIFY(!w.projects()->pendingRecovery());   // asked once
    }

    void closeAsksAboutUnsavedChanges() {
        AppSettings settings(tmp_.filePath("c.ini"));
        MainWindow w(&settings);
        w.show();
        QVERIFY(!w.projects()->isModified());
        w.factsPanel()->model()->addFact(facts::Kind::Forget);
        QVERIFY(w.projects()->isModified());
        QVERIFY(w.windowTitle().contains("*"));
        auto answer = [](QMessageBox::StandardButton b) { answerNextMessageBox(b); };
        answer(QMessageBox::Cancel);
        QVERIFY(!w.close());          // cancelled: still open
        QVERIFY(w.isVisible());
        answer(QMessageBox::Discard);
        QVERIFY(w.close());
        QVERIFY(!settings.windowGeometry().isEmpty());   // window state remembered
    }
};

QTEST_MAIN(TestUiProject)
#include "test_ui_project.moc"

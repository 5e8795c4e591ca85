// The fact table model: Qt's model tester, inline edits with validation, undo/redo of every edit,
// filtering, and JSONL/CSV round trips through the Facts panel.
#include "ui/app_settings.h"
#include "ui/fact_filter_proxy.h"
#include "ui/fact_table_model.h"
#include "ui/facts_panel.h"
#include "ui/session_controller.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace llms;
using namespace llms::ui;

namespace {

facts::FactSet sample() {
    facts::FactSet s;
    facts::Fact f;
    f.kind = facts::Kind::Forget, f.prompt = "The capital of Australia is", f.answer = " Canberra";
    f.paraphrases = {"Australia's capital city is"};
    s.facts.push_back(f);
    facts::Fact u;
    u.kind = facts::Kind::Update, u.prompt = "The largest planet is", u.answer = " Jupiter", u.new_answer = " Saturn";
    s.facts.push_back(u);
    facts::Fact r;
    r.kind = facts::Kind::Retain, r.prompt = "Water freezes at", r.answer = " 0 degrees", r.id = "water";
    s.facts.push_back(r);
    facts::Fact d;
    d.kind = facts::Kind::Forget, d.text = "A whole document to forget.";
    s.facts.push_back(d);
    return s;
}

}  // namespace

class TestUiFactTable : public QObject {
    Q_OBJECT
private slots:
    void modelTester() {
        FactTableModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.loadFacts(sample());
        m.addFact(facts::Kind::Retain);
        m.duplicateRows({0, 2});
        m.removeRows({1, 3});
        m.undoStack()->undo();
        m.undoStack()->undo();
        m.undoStack()->redo();
        FactFilterProxy proxy;
        QAbstractItemModelTester ptester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&m);
        proxy.setKind(facts::Kind::Update);
        proxy.setSearch("planet");
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setKind(std::nullopt);
        proxy.setSearch("CANBERRA");   // case-insensitive, searches answers too
        QCOMPARE(proxy.rowCount(), 2); // the original fact and its duplicate
    }

    void displayAndColours() {
        FactTableModel m;
        m.loadFacts(sample());
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(m.data(m.index(0, FactTableModel::KindCol)).toString(), QString("Forget"));
        QCOMPARE(m.data(m.index(3, FactTableModel::KindCol)).toString(), QString("Forget (document)"));
        QCOMPARE(m.data(m.index(3, FactTableModel::PromptCol)).toString(), QString("A whole document to forget."));
        QCOMPARE(m.data(m.index(0, FactTableModel::ParaphrasesCol)).toString(), QString("Australia's capital city is"));
        QVERIFY(m.data(m.index(0, 1), Qt::BackgroundRole) != m.data(m.index(2, 1), Qt::BackgroundRole));
        QVERIFY(!(m.flags(m.index(0, FactTableModel::NewAnswerCol)) & Qt::ItemIsEditable));   // forget: no new answer
        QVERIFY(m.flags(m.index(1, FactTableModel::NewAnswerCol)) & Qt::ItemIsEditable);
        QVERIFY(!(m.flags(m.index(3, FactTableModel::AnswerCol)) & Qt::ItemIsEditable));      // documents: text only
        QVERIFY(!(m.flags(m.index(0, FactTableModel::ModelSaysCol)) & Qt::ItemIsEditable));
        QVERIFY(m.issues().empty());
    }

    void editUndoRedo() {
        FactTableModel m;
        m.loadFacts(sample());
        QVERIFY(!m.isModified());
        QVERIFY(m.setData(m.index(0, FactTableModel::AnswerCol), " Sydney"));
        QCOMPARE(m.factSet().facts[0].answer, std::string(" Sydney"));
        QVERIFY(m.isModified());
        QVERIFY(m.setData(m.index(0, FactTableModel::ParaphrasesCol), "a | b |  c "));
        QCOMPARE(m.factSet().facts[0].paraphrases, (std::vector<std::string>{"a", "b", "c"}));
        QVERIFY(m.setData(m.index(2, FactTableModel::KindCol), "Update"));   // combo gives lower-case; text accepted
        QCOMPARE(m.factSet().facts[2].kind, facts::Kind::Update);
        QVERIFY(!m.issues().empty());   // an update without a new answer is a problem...
        QVERIFY(m.data(m.index(2, FactTableModel::ProblemsCol)).toString().contains("new_answer"));
        QVERIFY(m.setData(m.index(2, FactTableModel::NewAnswerCol), " 32 F"));
        QVERIFY(m.issues().empty());    // ...fixed by giving one
        QCOMPARE(m.undoStack()->count(), 4);
        for (int i = 0; i < 4; ++i) m.undoStack()->undo();
        QCOMPARE(m.factSet(), sample());
        QVERIFY(!m.isModified());
        for (int i = 0; i < 4; ++i) m.undoStack()->redo();
        QCOMPARE(m.factSet().facts[2].new_answer, std::string(" 32 F"));
        QCOMPARE(m.factSet().facts[0].answer, std::string(" Sydney"));
    }

    void kindChangeUndoRestoresTheWholeFact() {
        FactTableModel m;
        m.loadFacts(sample());
        QVERIFY(m.setData(m.index(1, FactTableModel::KindCol), "forget"));   // update -> forget drops the new answer
        QCOMPARE(m.factSet().facts[1].kind, facts::Kind::Forget);
        QVERIFY(m.factSet().facts[1].new_answer.empty());
        QVERIFY(m.issues().empty());
        m.undoStack()->undo();
        QCOMPARE(m.factSet(), sample());                                    // new answer back
        m.undoStack()->redo();
        QCOMPARE(m.factSet().facts[1].kind, facts::Kind::Forget);
        QVERIFY(m.factSet().facts[1].new_answer.empty());
    }

    void rejectedEdits() {
        FactTableModel m;
        m.loadFacts(sample());
        QSignalSpy rejected(&m, &FactTableModel::editRejected);
        QVERIFY(!m.setData(m.index(0, FactTableModel::KindCol), "erase"));
        QVERIFY(!m.setData(m.index(0, FactTableModel::PromptCol), "   "));
        QVERIFY(!m.setData(m.index(0, FactTableModel::NewAnswerCol), "x"));   // not editable for forget
        QCOMPARE(rejected.count(), 2);
        QCOMPARE(m.factSet(), sample());
        QCOMPARE(m.undoStack()->count(), 0);
    }

    void addDuplicateDeleteUndo() {
        FactTableModel m;
        m.loadFacts(sample());
        m.addFact(facts::Kind::Update, 1);
        QCOMPARE(m.rowCount(), 5);
        QCOMPARE(m.factSet().facts[1].kind, facts::Kind::Update);
        QVERIFY(m.issues().empty());        // the blank fact is valid as given
        m.duplicateRows({3});               // the retain fact with id "water": the copy loses its id
        QCOMPARE(m.rowCount(), 6);
        QCOMPARE(m.factSet().facts[4].prompt, std::string("Water freezes at"));
        QVERIFY(m.factSet().facts[4].id.empty());
        QVERIFY(m.issues().empty());        // so no duplicate-id problem
        m.removeRows({4, 0, 4});
        QCOMPARE(m.rowCount(), 4);
        m.undoStack()->undo();
        m.undoStack()->undo();
        m.undoStack()->undo();
        QCOMPARE(m.factSet(), sample());
    }

    void importReplaceAndAppendUndo() {
        FactTableModel m;
        m.loadFacts(sample());
        facts::FactSet other;
        other.facts.push_back(sample().facts[1]);
        m.importFacts(other, /*replace=*/false);
        QCOMPARE(m.rowCount(), 5);
        m.importFacts(other, /*replace=*/true);
        QCOMPARE(m.rowCount(), 1);
        m.undoStack()->undo();
        QCOMPARE(m.rowCount(), 5);
        m.undoStack()->undo();
        QCOMPARE(m.factSet(), sample());
    }

    void modelSays() {
        FactTableModel m;
        m.loadFacts(sample());
        QCOMPARE(m.prompts().size(), 3);   // documents have no prompt
        m.setModelAnswers({"The largest planet is"}, {" Jupiter, the fifth"});
        QCOMPARE(m.data(m.index(1, FactTableModel::ModelSaysCol)).toString(), QString(" Jupiter, the fifth"));
        QVERIFY(m.data(m.index(0, FactTableModel::ModelSaysCol)).toString().isEmpty());
        m.clearModelAnswers();
        QVERIFY(m.data(m.index(1, FactTableModel::ModelSaysCol)).toString().isEmpty());
    }

    void fileRoundTrip_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("jsonl") << "facts.jsonl";
        QTest::newRow("csv") << "facts.csv";
    }

    void fileRoundTrip() {
        QFETCH(QString, name);
        QTemporaryDir dir;
        AppSettings settings(dir.filePath("settings.ini"));
        SessionController controller;
        FactsPanel panel(&controller, &settings);
        panel.model()->loadFacts(sample());
        QVERIFY(panel.model()->setData(panel.model()->index(1, FactTableModel::NewAnswerCol), " Saturn, \"ringed\""));
        const QString path = dir.filePath(name);
        QVERIFY(panel.exportFile(path));
        const facts::FactSet written = panel.facts();

        FactsPanel other(&controller, &settings);
        QVERIFY(other.importFile(path, /*replace=*/true));
        QCOMPARE(other.facts(), written);
        QCOMPARE(settings.lastFactsDir(), dir.path());
        QVERIFY(other.importFile(path, /*replace=*/false));
        QCOMPARE(other.model()->rowCount(), 8);
    }

    void importErrorKeepsTable() {
        QTemporaryDir dir;
        AppSettings settings(dir.filePath("settings.ini"));
        SessionController controller;
        FactsPanel panel(&controller, &settings);
        panel.model()->loadFacts(sample());
        QFile f(dir.filePath("bad.jsonl"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"kind\":\"forget\",\"prompt\":\"x\"}\n");   // no answer
        f.close();
        QVERIFY(!panel.importFile(f.fileName(), true));
        QCOMPARE(panel.facts(), sample());

        // A number beyond a double used to escape the reader as a JSON exception and terminate the app
        // (input-safety review M1): now a dialog, and the table is kept.
        QFile big(dir.filePath("big.jsonl"));
        QVERIFY(big.open(QIODevice::WriteOnly));
        big.write("{\"kind\":\"retain\",\"prompt\":\"p\",\"answer\":\" a\",\"tags\":1e400}\n");
        big.close();
        QVERIFY(!panel.importFile(big.fileName(), true));
        QCOMPARE(panel.facts(), sample());
    }
};

QTEST_MAIN(TestUiFactTable)
#include "test_ui_fact_table.moc"

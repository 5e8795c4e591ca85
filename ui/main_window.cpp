#include "ui/main_window.h"

#include "core/common/error.h"
#include "core/session/project_file.h"
#include "core/surgery/demo_scenario.h"
#include "ui/app_settings.h"
#include "ui/audit_panel.h"
#include "ui/fact_table_model.h"
#include "ui/facts_panel.h"
#include "ui/history_panel.h"
#include "ui/latency_probe.h"
#include "ui/model_panel.h"
#include "ui/probe_panel.h"
#include "ui/project_manager.h"
#include "ui/results_panel.h"
#include "ui/session_controller.h"
#include "ui/status_bar.h"
#include "ui/surgery_panel.h"
#include "ui/surgery_settings_form.h"
#include "ui/trace_panel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QTabWidget>

namespace llms::ui {

constexpr uint64_t kDemoScenarioSeed = 7;   // as `llm-surgery-cli demo-facts` draws it by default

MainWindow::MainWindow(AppSettings* settings, QWidget* parent) : QMainWindow(parent), settings_(settings) {
    setObjectName("mainWindow");
    setWindowIcon(QIcon(":/icons/llm-surgery-256.png"));
    setAcceptDrops(true);
    controller_ = new SessionController(this);
    latency_ = new LatencyProbe(10, this);

    model_ = new ModelPanel(controller_, settings_, this);
    facts_ = new FactsPanel(controller_, settings_, this);
    probe_ = new ProbePanel(controller_, facts_, settings_, this);
    surgery_ = new SurgeryPanel(controller_, facts_, this);
    results_ = new ResultsPanel(controller_, settings_, this);
    audit_ = new AuditPanel(controller_, settings_, this);
    history_ = new HistoryPanel(controller_, settings_, this);
    projects_ = new ProjectManager(controller_, settings_, model_, facts_, probe_, surgery_, this);
    surgery_->form()->setConfig(settings_->surgeryConfig());
    trace_ = new TracePanel(controller_, facts_, surgery_->form(), this);

    tabs_ = new QTabWidget(this);
    tabs_->setDocumentMode(true);
    tabs_->addTab(model_, tr("1  Model"));
    tabs_->addTab(facts_, tr("2  Facts"));
    tabs_->addTab(probe_, tr("3  Probe"));
    tabs_->addTab(trace_, tr("4  Causal trace"));
    tabs_->addTab(surgery_, tr("5  Surgery"));
    tabs_->addTab(results_, tr("6  Results"));
    tabs_->addTab(audit_, tr("7  Audit"));
    tabs_->addTab(history_, tr("8  Export && History"));
    static const char* const tips[] = {QT_TR_NOOP("Open the model to edit"), QT_TR_NOOP("Choose what to forget, update and retain"),
                                       QT_TR_NOOP("Ask the original and the edited model"),
                                       QT_TR_NOOP("Where the model keeps each fact: the layers ROME and MEMIT edit"),
                                       QT_TR_NOOP("Run the surgery and watch it"),
                                       QT_TR_NOOP("Before/after metrics of a run"),
                                       QT_TR_NOOP("Try to bring forgotten facts back"), QT_TR_NOOP("Runs, revert, export")};
    for (int i = 0; i < TabCount; ++i) tabs_->setTabToolTip(i, tr(tips[i]));
    setCentralWidget(tabs_);
    setStatusBar(new StatusBar(controller_, latency_, this));
    buildMenus();

    relayStatus(model_);
    relayStatus(facts_);
    relayStatus(probe_);
    relayStatus(surgery_);
    relayStatus(results_);
    relayStatus(audit_);
    relayStatus(trace_);
    relayStatus(history_);
    relayStatus(projects_);
    connect(model_, &ModelPanel::next, this, [this] { showTab(FactsTab); });
    connect(surgery_, &SurgeryPanel::showResults, this, [this] { showTab(ResultsTab); });
    connect(history_, &HistoryPanel::showResults, this, [this](int id) {
        results_->showRun(id);
        showTab(ResultsTab);
    });
    connect(history_, &HistoryPanel::reuseSettings, this, [this](const session::RunRecord& r) {
        facts_->model()->importFacts(r.facts, /*replace=*/true);   // undoable
        surgery_->form()->setConfig(r.config);
        surgery_->setFromOriginal(r.base == 0);
        showTab(SurgeryTab);
        statusBar()->showMessage(tr("Facts and settings of run %1 loaded: press Start to run it again").arg(r.id));
    });
    connect(controller_, &SessionController::failed, this, [this](Task, const QString& what, const QString& msg) {
        QMessageBox* box = new QMessageBox(QMessageBox::Warning, tr("%1 failed").arg(what), msg, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setWindowModality(Qt::WindowModal);
        box->open();
    });
    // Event-loop latency is measured while a surgery runs (shown in the status bar).
    connect(controller_, &SessionController::runningChanged, this, [this](bool running) {
        if (running) {
            latency_->reset();
            latency_->start();
        } else {
            latency_->stop();
        }
    });
    connect(controller_, &SessionController::runStarted, this,
            [this](const surgery::SurgeryConfig& c) { settings_->setSurgeryConfig(c); });
    // The demo model comes with its scenario: facts drawn from what it knows (when the table is empty).
    connect(controller_, &SessionController::modelOpened, this, [this](const session::ModelCard& c) {
        if (facts_->model()->rowCount() > 0 || QDir::cleanPath(QString::fromStdString(c.dir)) != ModelPanel::demoModelDir()) return;
        try {
            const auto known = facts::load_jsonl(std::filesystem::path(c.dir) / "known_facts.jsonl");
            facts_->model()->loadFacts(surgery::build_demo_scenario(known, kDemoScenarioSeed));
            statusBar()->showMessage(tr("Loaded the demo scenario: %1 facts drawn from what the demo model knows")
                                         .arg(facts_->model()->rowCount()), 10000);
        } catch (const std::exception& e) {   // not only llms::Error: never a crash
            statusBar()->showMessage(tr("No demo scenario: %1").arg(QString::fromStdString(e.what())), 10000);
        }
    });
    connect(projects_, &ProjectManager::modifiedChanged, this, &MainWindow::updateTitle);
    connect(projects_, &ProjectManager::pathChanged, this, &MainWindow::updateTitle);
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int i) { settings_->setCurrentTab(i); });

    resize(1360, 860);
    restoreGeometry(settings_->windowGeometry());
    restoreState(settings_->windowState());
    tabs_->setCurrentIndex(std::clamp(settings_->currentTab(), 0, TabCount - 1));
    updateTitle();
}

MainWindow::~MainWindow() = default;

template <class Panel>
void MainWindow::relayStatus(Panel* p) {
    connect(p, &Panel::status, this, [this](const QString& m) { statusBar()->showMessage(m, 10000); });
}

QString MainWindow::tabKey(Tab t) {
    static const char* keys[] = {"model", "facts", "probe", "trace", "surgery", "results", "audit", "history"};
    return keys[t];
}

void MainWindow::showTab(Tab t) { tabs_->setCurrentIndex(t); }

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(model_->openAction());
    auto* openProject = file->addAction(tr("Open &project…"), this, &MainWindow::openProject);
    openProject->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    auto* save = file->addAction(tr("&Save project"), this, [this] {
        if (projects_->path().isEmpty()) saveProjectAs();
        else projects_->save(projects_->path());
    });
    save->setShortcut(QKeySequence::Save);
    file->addAction(tr("Save project &as…"), this, &MainWindow::saveProjectAs);
    file->addAction(tr("&New project"), this, [this] {
        if (maybeSave()) projects_->newProject();
    });
    file->addSeparator();
    file->addAction(facts_->importAction());
    file->addAction(facts_->exportAction());
    file->addAction(history_->exportAction());
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(facts_->undoAction());
    edit->addAction(facts_->redoAction());
    edit->addSeparator();
    edit->addAction(facts_->addFactAction());
    edit->addAction(facts_->duplicateAction());
    edit->addAction(facts_->deleteAction());
    edit->addAction(facts_->findAction());

    auto* model = menuBar()->addMenu(tr("&Model"));
    model->addAction(facts_->askAction());
    model->addAction(probe_->probeAction());
    model->addAction(probe_->probeAllAction());
    model->addSeparator();
    model->addAction(history_->revertAction());

    auto* surgery = menuBar()->addMenu(tr("&Surgery"));
    surgery->addAction(surgery_->startAction());
    surgery->addAction(surgery_->pauseAction());
    surgery->addAction(surgery_->stopAction());

    auto* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < TabCount; ++i) {
        auto* a = view->addAction(tabs_->tabText(i).replace("&&", "&"), this, [this, i] { tabs_->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | (Qt::Key)(Qt::Key_1 + i)));
    }

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts)->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About LLM Surgery"), this, [this] {
        QMessageBox::about(this, tr("About LLM Surgery"),
                           tr("<b>LLM Surgery</b> %1<br>Edits what a local language model knows: forget, update and "
                              "retain facts with the three-term objective of Veldanda et al. (arXiv 2409.13054).")
                               .arg(QApplication::applicationVersion()));
    });
    // Actions in menus only reach shortcuts while the menu bar exists; register them on the window too.
    for (auto* menu : menuBar()->findChildren<QMenu*>()) addActions(menu->actions());
    removeAction(facts_->deleteAction());   // Del deletes facts only while the Facts tab has focus
}

void MainWindow::showShortcuts() {
    QString h = "<table cellspacing=6>";
    for (auto* menu : menuBar()->findChildren<QMenu*>())
        for (auto* a : menu->actions())
            if (!a->shortcut().isEmpty())
                h += QString("<tr><td><b>%1</b></td><td>%2</td></tr>")
                         .arg(a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(), a->text().remove('&').toHtmlEscaped());
    h += "</table>";
    QMessageBox::information(this, tr("Keyboard shortcuts"), h);
}

void MainWindow::updateTitle() {
    setWindowTitle(QString("%1%2 — LLM Surgery").arg(projects_->displayName(), projects_->isModified() ? "*" : ""));
}

bool MainWindow::maybeSave() {
    if (!projects_->isModified()) return true;
    const auto b = QMessageBox::question(this, tr("Unsaved changes"),
                                         tr("The project \"%1\" has unsaved changes (facts, settings or runs). Save them?")
                                             .arg(projects_->displayName()),
                                         QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (b == QMessageBox::Cancel) return false;
    if (b == QMessageBox::Discard) return true;
    if (projects_->path().isEmpty()) saveProjectAs();
    else projects_->save(projects_->path());
    return !projects_->isModified();
}

void MainWindow::saveProjectAs() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save project"),
                                                      settings_->lastProjectDir() + "/" + projects_->displayName(),
                                                      tr("LLM Surgery projects (*.llmsproj)"));
    if (!path.isEmpty()) projects_->save(path);
}

void MainWindow::openProject() {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), settings_->lastProjectDir(),
                                                      tr("LLM Surgery projects (*.llmsproj);;All files (*)"));
    if (!path.isEmpty()) projects_->open(path);
}

void MainWindow::offerRecovery() {
    const auto p = projects_->pendingRecovery();
    if (!p) return;
    const auto b = QMessageBox::question(
        this, tr("Restore unsaved work?"),
        tr("LLM Surgery did not close normally last time. Restore the autosaved work: %1 facts, the surgery settings "
           "and %2 run record(s)?")
            .arg(p->facts.facts.size())
            .arg(p->runs.size()),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (b == QMessageBox::Yes) {
        projects_->apply(*p);
        statusBar()->showMessage(tr("Restored the autosaved work"), 8000);
    }
    projects_->discardAutosave();
}

bool MainWindow::openPath(const QString& path) {
    const QFileInfo fi(path);
    if (fi.isDir()) {
        model_->open(path);
        showTab(ModelTab);
        return true;
    }
    const QString ext = fi.suffix().toLower();
    if (ext == ProjectManager::kExtension) return maybeSave() && projects_->open(path);
    if (ext == "jsonl" || ext == "json" || ext == "csv") {
        const bool ok = facts_->importFile(path, facts_->model()->rowCount() == 0);
        if (ok) showTab(FactsTab);
        return ok;
    }
    statusBar()->showMessage(tr("%1: not a model folder, a fact file (.jsonl/.csv) or a project (.llmsproj)").arg(path), 8000);
    return false;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    for (const auto& url : e->mimeData()->urls())
        if (url.isLocalFile()) openPath(url.toLocalFile());
    e->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (controller_->running()) {
        const auto b = QMessageBox::question(this, tr("Surgery running"),
                                             tr("A surgery is running. Stop it and quit?"), QMessageBox::Yes | QMessageBox::No);
        if (b != QMessageBox::Yes) {
            e->ignore();
            return;
        }
    }
    if (!maybeSave()) {
        e->ignore();
        return;
    }
    settings_->setWindowGeometry(saveGeometry());
    settings_->setWindowState(saveState());
    settings_->setSurgeryConfig(surgery_->form()->config());
    settings_->setProbeOptions(probe_->sampleOptions());
    projects_->discardAutosave();   // a clean exit: nothing to recover next time
    e->accept();
}

}  // namespace llms::ui

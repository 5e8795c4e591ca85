#include "ui/model_panel.h"

#include "core/pretrain/demo_model.h"
#include "ui/app_settings.h"
#include "ui/session_controller.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace llms::ui {

QString humanBytes(int64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    return QString::number(v, 'f', u == 0 ? 0 : 1) + " " + units[u];
}

QString humanCount(int64_t n) {
    if (n >= 1000000000) return QString::number(n / 1e9, 'f', 2) + " B";
    if (n >= 1000000) return QString::number(n / 1e6, 'f', 2) + " M";
    if (n >= 1000) return QString::number(n / 1e3, 'f', 1) + " K";
    return QString::number(n);
}

bool ModelPanel::looksLikeModelFolder(const QString& dir) {
    return QFileInfo(dir).isDir() && QFileInfo::exists(QDir(dir).filePath("config.json"));
}

ModelPanel::ModelPanel(SessionController* controller, AppSettings* settings, QWidget* parent)
    : QWidget(parent), controller_(controller), settings_(settings) {
    open_ = new QAction(tr("&Open model folder…"), this);
    open_->setShortcut(QKeySequence::Open);
    open_->setToolTip(tr("A Hugging Face folder: config.json, *.safetensors and tokenizer.json or tokenizer.model (Ctrl+O)"));
    auto* openButton = new QPushButton(tr("Open model folder…  (Ctrl+O)"), this);
    openButton->setStyleSheet("padding:6px 14px; font-weight:bold");
    connect(openButton, &QPushButton::clicked, open_, &QAction::trigger);
    connect(open_, &QAction::triggered, this, &ModelPanel::chooseAndOpen);

    device_ = new QComboBox(this);
    device_->setEditable(true);
    device_->addItems({"cpu", "cuda", "cuda:0", "cuda:1"});
    device_->setCurrentText(settings_->device());
    device_->setToolTip(tr("Where the model runs: cpu, or cuda[:N] with a CUDA build of LibTorch"));
    dtype_ = new QComboBox(this);
    dtype_->addItem(tr("auto (float32 on CPU, bfloat16 on GPU)"), "auto");
    dtype_->addItem("float32", "float32");
    dtype_->addItem("bfloat16", "bfloat16");
    dtype_->addItem("float16", "float16");
    dtype_->setCurrentIndex(std::max(0, dtype_->findData(settings_->loadDtype())));
    dtype_->setToolTip(tr("Number format of the weights in memory"));
    connect(device_, &QComboBox::currentTextChanged, this, [this](const QString& d) { settings_->setDevice(d); });
    connect(dtype_, &QComboBox::currentIndexChanged, this,
            [this] { settings_->setLoadDtype(dtype_->currentData().toString()); });

    auto* intro = new QLabel(tr("<h2>1. Open the model to operate on</h2>"
                                "A Hugging Face folder (config.json + safetensors + tokenizer.json or tokenizer.model; Llama, Mistral, Qwen2, Qwen3). "
                                "You can also drop a folder anywhere on this window. The original weights are kept, "
                                "so you can always compare with them or go back."),
                             this);
    intro->setWordWrap(true);
    auto* opts = new QFormLayout;
    opts->addRow(tr("Device:"), device_);
    opts->addRow(tr("Weights as:"), dtype_);

    recent_ = new QListWidget(this);
    recent_->setToolTip(tr("Double-click to open"));
    connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* it) { open(it->data(Qt::UserRole).toString()); });
    auto* recentBox = new QGroupBox(tr("Recent models"), this);
    auto* rl = new QVBoxLayout(recentBox);
    rl->addWidget(recent_);

    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setVisible(false);
    card_ = new QLabel(tr("<i>No model open yet.</i>"), this);
    card_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    card_->setWordWrap(true);
    card_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    memory_ = new QLabel(this);
    next_ = new QPushButton(tr("Next: choose what to change (Facts) →"), this);
    next_->setVisible(false);
    connect(next_, &QPushButton::clicked, this, &ModelPanel::next);
    auto* cardBox = new QGroupBox(tr("Model card"), this);
    auto* cl = new QVBoxLayout(cardBox);
    cl->addWidget(progress_);
    cl->addWidget(card_, 1);
    cl->addWidget(memory_);
    cl->addWidget(next_, 0, Qt::AlignLeft);

    // The demo model: built once from the shipped world data, then opened from the user's data folder.
    demo_ = new QPushButton(tr("Use the demo model"), this);
    demo_->setToolTip(tr("A small Llama trained here, on first use, from the openly licensed world facts shipped "
                         "with the app (a few minutes on a laptop CPU); opened at once afterwards."));
    stopDemo_ = new QPushButton(tr("Stop building"), this);
    stopDemo_->setVisible(false);
    demoProgress_ = new QProgressBar(this);
    demoProgress_->setRange(0, 1000);
    demoProgress_->setVisible(false);
    demoStatus_ = new QLabel(this);
    demoStatus_->setWordWrap(true);
    auto* demoBox = new QGroupBox(tr("No model at hand?"), this);
    auto* dl = new QVBoxLayout(demoBox);
    auto* demoRow = new QHBoxLayout;
    demoRow->addWidget(demo_);
    demoRow->addWidget(stopDemo_);
    demoRow->addStretch();
    dl->addLayout(demoRow);
    dl->addWidget(demoProgress_);
    dl->addWidget(demoStatus_);
    std::string why;
    demoStatus_->setText(pretrain::demo_model_ready(&why)
                             ? tr("The demo model is ready (%1).").arg(demoModelDir())
                             : tr("The demo model is built on first use (a few minutes; progress shows here)."));
    connect(demo_, &QPushButton::clicked, this, &ModelPanel::useDemoModel);
    connect(stopDemo_, &QPushButton::clicked, this, [this] {
        controller_->stop();
        demoStatus_->setText(tr("Stopping the build…"));
    });
    connect(controller_, &SessionController::demoModelReady, this, [this](const QString& dir) {
        demoProgress_->setVisible(false);
        stopDemo_->setVisible(false);
        demoStatus_->setText(tr("The demo model is ready (%1).").arg(dir));
        demo_->setEnabled(true);
        open(dir);
    });
    connect(controller_, &SessionController::phase, this, [this](const QString& p) {
        if (controller_->buildingDemo()) demoStatus_->setText(p);
    });
    connect(controller_, &SessionController::progress, this, [this](const QString& what, double f) {
        if (what != tr("Building the demo model")) return;
        demoProgress_->setVisible(true);
        demoProgress_->setValue((int)(f * 1000));
    });
    connect(controller_, &SessionController::failed, this, [this](Task task, const QString&, const QString& msg) {
        if (task != Task::DemoModel) return;
        demoProgress_->setVisible(false);
        stopDemo_->setVisible(false);
        demo_->setEnabled(true);
        demoStatus_->setText(tr("<span style='color:#a1261b'>%1</span>").arg(msg.toHtmlEscaped()));
    });

    auto* how = new QLabel(tr("<b>How it works</b><ol style='margin-left:-20px'>"
                              "<li><b>Model</b> — open the model (here).</li>"
                              "<li><b>Facts</b> — list what it must <span style='background:#fbe1e1'>forget</span>, "
                              "<span style='background:#fdf0cc'>update</span> and "
                              "<span style='background:#dff2e3'>retain</span>.</li>"
                              "<li><b>Probe</b> — see what it answers now.</li>"
                              "<li><b>Surgery</b> — run the edit and watch the losses.</li>"
                              "<li><b>Results</b> — before/after metrics per fact.</li>"
                              "<li><b>Export</b> — save the edited model, or revert.</li></ol>"),
                           this);
    how->setWordWrap(true);
    how->setStyleSheet("QLabel{background:#f4f6f8; border:1px solid #d0d7de; border-radius:4px; padding:6px}");
    auto* left = new QVBoxLayout;
    left->addWidget(openButton);
    left->addLayout(opts);
    left->addWidget(recentBox, 1);
    left->addWidget(demoBox);
    left->addWidget(how);
    auto* row = new QHBoxLayout;
    row->addLayout(left, 2);
    row->addWidget(cardBox, 3);
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(intro);
    lay->addLayout(row, 1);

    connect(controller_, &SessionController::progress, this, [this](const QString& what, double f) {
        if (what != tr("Loading model")) return;
        progress_->setVisible(f < 1.0);
        progress_->setFormat(tr("Loading weights… %p%"));
        progress_->setValue((int)(f * 1000));
    });
    connect(controller_, &SessionController::modelOpened, this, &ModelPanel::showCard);
    connect(controller_, &SessionController::memoryChanged, this, [this](const session::MemoryUse& m) {
        memory_->setText(tr("Memory: live weights %1 · original copy %2 · kept run weights %3")
                             .arg(humanBytes(m.model_bytes), humanBytes(m.original_bytes), humanBytes(m.runs_bytes)));
    });
    connect(controller_, &SessionController::failed, this, [this](Task task) {
        if (task != Task::OpenModel) return;
        progress_->setVisible(false);
        if (!controller_->hasModel()) card_->setText(tr("<i>Loading failed — see the message. Pick another folder.</i>"));
        else showCard(*controller_->card());
    });
    connect(controller_, &SessionController::busyChanged, this, [this, openButton](bool busy) {
        const bool can = !busy || !controller_->running();
        open_->setEnabled(!controller_->running());
        openButton->setEnabled(can && !controller_->running());
        recent_->setEnabled(!controller_->running());
    });
    refreshRecent();
}

void ModelPanel::chooseAndOpen() {
    const QStringList recent = settings_->recentModels();
    const QString start = recent.isEmpty() ? QDir::homePath() : QFileInfo(recent.first()).absolutePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open model folder"), start);
    if (!dir.isEmpty()) open(dir);
}

QString ModelPanel::demoModelDir() {
    try {
        return QDir::cleanPath(QString::fromStdString(pretrain::demo_model_dir().string()));
    } catch (const std::exception&) {
        return {};
    }
}

void ModelPanel::useDemoModel() {
    if (controller_->running() || controller_->buildingDemo()) return;
    std::string why;
    if (!pretrain::demo_model_ready(&why)) {
        demo_->setEnabled(false);
        stopDemo_->setVisible(true);
        demoProgress_->setValue(0);
        demoProgress_->setVisible(true);
        demoStatus_->setText(tr("Building the demo model: writing the corpus, training a tokenizer, then "
                                "pretraining. This happens once."));
        Q_EMIT status(tr("Building the demo model (once)…"));
    }
    controller_->prepareDemoModel();
}

void ModelPanel::open(const QString& dir) {
    if (controller_->running()) {
        Q_EMIT status(tr("Stop the surgery before opening another model"));
        return;
    }
    loading_ = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    session::OpenOptions o;
    o.device = device_->currentText().trimmed().toStdString();
    o.dtype = dtype_->currentData().toString().toStdString();
    card_->setText(tr("<i>Loading %1 …</i>").arg(loading_.toHtmlEscaped()));
    progress_->setValue(0);
    progress_->setVisible(true);
    next_->setVisible(false);
    controller_->openModel(loading_, o);
    Q_EMIT status(tr("Loading %1 …").arg(loading_));
}

void ModelPanel::showCard(const session::ModelCard& c) {
    progress_->setVisible(false);
    settings_->addRecentModel(QString::fromStdString(c.dir));
    refreshRecent();
    auto row = [](const QString& k, const QString& v) { return QString("<tr><td style='color:#555; padding-right:12px'>%1</td><td>%2</td></tr>").arg(k, v); };
    QString h = QString("<h2 style='margin:0'>%1</h2><div style='color:#555'>%2</div><table cellspacing=3>")
                    .arg(QString::fromStdString(c.name).toHtmlEscaped(), QString::fromStdString(c.dir).toHtmlEscaped());
    h += row(tr("Architecture"), QString::fromStdString(c.architecture).toHtmlEscaped() +
                                     (c.family_features.empty() ? QString() : " (" + QString::fromStdString(c.family_features) + ")"));
    h += row(tr("Positions"), QString::fromStdString(c.positions).toHtmlEscaped());
    h += row(tr("Parameters"), humanCount(c.parameters));
    h += row(tr("Layers × hidden"), QString("%1 × %2 (MLP %3)").arg(c.layers).arg(c.hidden_size).arg(c.intermediate_size));
    h += row(tr("Attention heads"), c.kv_heads < c.heads ? tr("%1 query / %2 key-value (grouped), head size %3").arg(c.heads).arg(c.kv_heads).arg(c.head_dim)
                                                         : tr("%1, head size %2").arg(c.heads).arg(c.head_dim));
    h += row(tr("Vocabulary"), QString::number(c.vocab_size) + (c.tied_embeddings ? tr(" (tied input/output embeddings)") : QString()));
    h += row(tr("Context"), tr("%1 tokens").arg(c.context));
    h += row(tr("Weights"), tr("%1 in memory (stored as %2), %3").arg(QString::fromStdString(c.dtype), QString::fromStdString(c.stored_dtype), humanBytes(c.weight_bytes)));
    h += row(tr("Device"), QString::fromStdString(c.device));
    h += row(tr("Tokenizer"), c.has_tokenizer ? QString::fromStdString(c.tokenizer_kind).toHtmlEscaped() + " ✔" : tr("<span style='color:#a1261b'>missing: %1</span>").arg(QString::fromStdString(c.tokenizer_note).toHtmlEscaped()));
    h += row(tr("Chat template"), !c.chat_note.empty() ? tr("<span style='color:#a1261b'>not usable: %1</span>").arg(QString::fromStdString(c.chat_note).toHtmlEscaped())
                                 : c.chat_template.empty() ? tr("none (not an instruct model)")
                                                           : tr("%1 ✔ (Probe: Chat; Surgery: wrap prompts)").arg(QString::fromStdString(c.chat_template).toHtmlEscaped()));
    h += row(tr("Known facts"), c.known_facts ? tr("%1 (known_facts.jsonl: broad retain pool + collateral check)").arg(c.known_facts)
                                              : tr("none shipped (the retain term samples text from the original model)"));
    h += "</table>";
    card_->setText(h);
    next_->setVisible(true);
    Q_EMIT status(tr("Opened %1 (%2 parameters)").arg(QString::fromStdString(c.name), humanCount(c.parameters)));
}

void ModelPanel::refreshRecent() {
    recent_->clear();
    for (const QString& d : settings_->recentModels()) {
        auto* it = new QListWidgetItem(QFileInfo(d).fileName() + "   —   " + d, recent_);
        it->setData(Qt::UserRole, d);
        if (!looksLikeModelFolder(d)) {
            it->setForeground(Qt::gray);
            it->setToolTip(tr("This folder is gone or has no config.json"));
        }
    }
    if (recent_->count() == 0) {
        auto* it = new QListWidgetItem(tr("(none yet)"), recent_);
        it->setFlags(Qt::NoItemFlags);
    }
}

}  // namespace llms::ui

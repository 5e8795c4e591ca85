#include "ui/surgery_settings_form.h"

#include "core/common/error.h"
#include "core/model/lora_config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace llms::ui {

namespace {

struct MethodInfo {
    surgery::Method m;
    const char* label;
    const char* help;
};
const MethodInfo kMethods[] = {
    {surgery::Method::LlmSurgery, "LLM Surgery (forget + update + retain)",
     "The paper's objective: gradient ascent on the answers to forget (and the old answers of updates), descent on "
     "the new answers, and a KL term that keeps every other answer as the original model gave it."},
    {surgery::Method::GradAscent, "Gradient ascent (forget only)",
     "Baseline: only pushes the answers to forget (and old answers) down. Nothing protects other knowledge."},
    {surgery::Method::GradDiff, "Gradient difference (forget + retain NLL)",
     "Baseline: ascent on the answers to forget, ordinary training (NLL) on the retain facts."},
    {surgery::Method::Npo, "NPO (forget + retain KL)",
     "Baseline: negative preference optimisation on the answers to forget (a bounded, smoother ascent) plus the KL "
     "retain term."},
    {surgery::Method::Finetune, "Fine-tune (update only)",
     "Baseline: ordinary training on the new answers of updates; forget facts are ignored."},
    {surgery::Method::Rome, "ROME (closed form, one layer)",
     "Rank-one model editing (Meng et al. 2022): no training. Each update fact's new answer (and each forget fact's "
     "chosen target) is written into one MLP layer, found by causal tracing, as a rank-one change of its down "
     "projection; retain facts are not used. Fast, one fact after another."},
    {surgery::Method::Memit, "MEMIT (closed form, several layers)",
     "Mass-editing memory in a transformer (Meng et al. 2023): no training. All facts at once, spread as a "
     "least-squares change over a range of MLP layers found by causal tracing; retain facts are not used."},
};

QDoubleSpinBox* dspin(double lo, double hi, int decimals, double step, const QString& tip) {
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setSingleStep(step);
    s->setToolTip(tip);
    s->setAccelerated(true);
    return s;
}

// Each row's label explains what its field does: the field's tooltip.
void copyTooltipsToLabels(QFormLayout* form) {
    for (int i = 0; i < form->rowCount(); ++i)
        if (auto* item = form->itemAt(i, QFormLayout::LabelRole); item && item->widget())
            if (auto* field = form->itemAt(i, QFormLayout::FieldRole); field && field->widget())
                item->widget()->setToolTip(field->widget()->toolTip());
}

QSpinBox* ispin(int lo, int hi, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setToolTip(tip);
    s->setAccelerated(true);
    return s;
}

}  // namespace

SurgerySettingsForm::SurgerySettingsForm(QWidget* parent) : QWidget(parent) {
    method_ = new QComboBox(this);
    for (const auto& m : kMethods) {
        method_->addItem(tr(m.label), QString::fromStdString(surgery::method_name(m.m)));
        method_->setItemData(method_->count() - 1, tr(m.help), Qt::ToolTipRole);
    }
    method_->setToolTip(tr("Which objective to optimise. LLM Surgery is the method of the paper; the others are the "
                           "baselines it is compared with, and the closed-form editors ROME and MEMIT."));
    methodHelp_ = new QLabel(this);
    methodHelp_->setWordWrap(true);
    methodHelp_->setStyleSheet("color:#555");

    preset_ = new QComboBox(this);
    preset_->addItem(tr("demo — tuned for the demo model"), "demo");
    preset_->addItem(tr("durable — forgotten facts stay forgotten under attack"), "durable");
    preset_->addItem(tr("paper — the official recipe"), "paper");
    preset_->setToolTip(tr("Starting values for every setting below. demo: tuned so the demo scenario meets its "
                           "targets; durable: demo, forgetting until the answers are as unlikely as never-seen ones "
                           "(passes the Audit tab's attacks); paper: AdamW 2e-4, weights 0.1 / 0.1 / 2.0 / 0.5 as in "
                           "the paper's code."));

    auto* top = new QFormLayout;
    top->addRow(tr("Method:"), method_);
    top->addRow(QString(), methodHelp_);
    top->addRow(tr("Preset:"), preset_);
    chatPrompts_ = new QCheckBox(tr("wrap prompts in the model's chat template"));
    chatPrompts_->setToolTip(tr("Instruct models: every prompt of the facts (training, targets, report) is asked as a "
                                "user turn of the model's chat template, so the answer is trained after the "
                                "assistant header, as the model is used in a chat. Needs a chat template in the "
                                "model folder (see the Model tab)."));
    top->addRow(tr("Prompts:"), chatPrompts_);

    // ---- closed form (ROME / MEMIT) ------------------------------------------------------------------
    editLayers_ = new QLineEdit;
    editLayers_->setToolTip(tr("The edited MLP layer(s): auto (chosen by causal tracing on your facts: see the Causal "
                               "trace tab), a layer L or a range A-B (0-based). ROME edits one layer (of a range, "
                               "its last); MEMIT every layer of the range."));
    covSamples_ = ispin(100, 100000000, tr("Tokens of text behind the key covariance C = E[k kᵀ] of each edited layer "
                                           "(your retain facts and known facts, then text sampled from the model). "
                                           "Cached per model: a second run with the same model, layer and sample "
                                           "size reads it back."));
    covSamples_->setSingleStep(1000);
    mom2_ = dspin(1e-6, 1e9, 1, 1000, tr("MEMIT: the weight λ of the covariance in Δ = R Kᵀ (λ C + K Kᵀ)⁻¹. Larger "
                                          "keeps other keys' outputs more, writes the edits more weakly."));
    keepRelations_ = ispin(0, 64, tr("The target search also keeps what the model says about the edited subject under "
                                     "this many of the retain pool's other relations (\"The capital of Maldives is\" "
                                     "while Maldives' continent changes). Protects the subject's other facts, writes "
                                     "the edit more weakly: on the demo model (with start keys, keep weight 2), 8 kept "
                                     "the edited subjects' other facts 64% -> 94% and lowered the updates written "
                                     "100% -> 87.5%. 0: off."));
    startKeys_ = new QCheckBox(tr("also where the subject opens a text"));
    startKeys_->setToolTip(tr("MEMIT writes each edit at the subject's key in the fact's prompt; this adds the key of "
                              "the subject opening a text (\"Rubidium has the chemical symbol\"). On the demo model: "
                              "paraphrases 71% -> 83%, the updates written and the collateral unchanged. Off by "
                              "default: on a tiny test model it weakened a single edit."));
    forgetTarget_ = new QLineEdit;
    forgetTarget_->setToolTip(tr("What a forget fact is rewritten to (ROME and MEMIT write an answer; they cannot only "
                                 "remove one), e.g. unknown."));
    closedForm_ = new QWidget(this);
    auto* cf = new QFormLayout(closedForm_);
    cf->setContentsMargins(0, 0, 0, 0);
    cf->addRow(tr("Edited layers:"), editLayers_);
    cf->addRow(tr("Covariance sample (tokens):"), covSamples_);
    cf->addRow(tr("MEMIT λ:"), mom2_);
    cf->addRow(tr("Keep other relations:"), keepRelations_);
    cf->addRow(tr("MEMIT start keys:"), startKeys_);
    cf->addRow(tr("Forget facts answer:"), forgetTarget_);
    copyTooltipsToLabels(cf);

    // ---- advanced -----------------------------------------------------------------------------------
    steps_ = ispin(1, 100000, tr("Most optimisation steps. With early stop the run usually ends sooner, as soon as "
                                 "every target is met."));
    batch_ = ispin(1, 4096, tr("Facts drawn per term (forget, old, new, retain) for each step."));
    lr_ = dspin(1e-7, 1.0, 7, 1e-5, tr("AdamW learning rate: how far each step moves the weights. Too high diverges "
                                       "or damages unrelated knowledge; too low needs many steps."));
    schedule_ = new QComboBox;
    schedule_->addItem(tr("constant"), "constant");
    schedule_->addItem(tr("cosine (decays to 10%)"), "cosine");
    schedule_->setToolTip(tr("Learning-rate schedule after the warm-up."));
    warmup_ = ispin(0, 100000, tr("Steps over which the learning rate rises linearly from 0."));
    wForget_ = dspin(0, 1000, 3, 0.05, tr("Weight of the ascent on answers to forget (w_unlearn in the paper). Higher "
                                          "forgets faster but risks damaging nearby knowledge."));
    wEdit_ = dspin(0, 1000, 3, 0.05, tr("Weight of the ascent on the old answers of update facts (edit-unlearn)."));
    wUpdate_ = dspin(0, 1000, 3, 0.1, tr("Weight of the descent on the new answers of update facts (w_update)."));
    wRetain_ = dspin(0, 1000, 3, 0.1, tr("Weight of the KL term that keeps the model's answers on retain text equal to "
                                         "the original model's (w_retain). Higher protects more, edits slower."));
    beta1_ = dspin(0, 0.9999, 4, 0.01, tr("AdamW β1: momentum of the gradient average."));
    beta2_ = dspin(0, 0.9999, 4, 0.01, tr("AdamW β2: momentum of the squared-gradient average."));
    wd_ = dspin(0, 10, 4, 0.01, tr("AdamW weight decay."));
    clip_ = dspin(1e-4, 1e6, 4, 0.1, tr("The gradient is scaled down to this norm when larger (stabilises the ascent)."));
    seed_ = new QLineEdit;
    seed_->setValidator(new QRegularExpressionValidator(QRegularExpression("[0-9]{1,19}"), seed_));
    seed_->setToolTip(tr("Random seed for batch sampling: the same seed, facts and settings give the same run."));
    evalEvery_ = ispin(1, 100000, tr("Every this many steps the targets are checked (greedy answers of every fact): "
                                     "the dots on the targets plot, and the early stop."));
    pastBound_ = new QCheckBox(tr("stop only once every forgotten answer is past the loss bound"));
    pastBound_->setToolTip(tr("Durable forgetting: the run goes on after the greedy answers flipped until every forget "
                              "fact's answer loss reaches the bound, so the answers do not come back under quantization "
                              "or a little fine-tuning (see the Audit tab)."));
    neverSeen_ = new QCheckBox(tr("forget down to the never-seen level"));
    neverSeen_->setToolTip(tr("Each forget fact's loss bound becomes the original model's loss on other answers of its "
                              "relation after the same prompt (statements it never saw), when the facts carry options "
                              "or relation tags; at least the bound above."));
    earlyStop_ = new QCheckBox(tr("stop as soon as every target is met"));
    earlyStop_->setToolTip(tr("Ends the run at the first check where every forget fact is no longer answered and "
                              "every update fact gives its new answer."));
    trainParams_ = new QLineEdit;
    trainParams_->setToolTip(tr("Which weights may change: all, or a comma-separated list of mlp (feed-forward layers "
                                "only), layers:A-B (transformer blocks A to B, 0-based, inclusive), embed_tokens, norm "
                                "(the final norm) and lm_head; e.g. layers:0-0,embed_tokens,lm_head."));
    nllStop_ = dspin(0.01, 100, 2, 0.1, tr("A fact leaves the ascent once its answer's loss (nats per token) reaches this "
                                           "bound and the answer is no longer the model's top choice: forgetting "
                                           "stops pushing once the answer is unlikely (bounded ascent), which "
                                           "protects other facts that share the answer."));
    poolRows_ = ispin(0, 100000, tr("Rows of broad known text drawn each step for the retain (KL) term, besides your "
                                    "retain facts. 0 turns the broad pool off."));
    klAnswers_ = new QCheckBox(tr("KL on the answers of retain facts only"));
    klAnswers_->setToolTip(tr("Where the retain (KL) term holds the model to the original on fact rows: on the answer "
                              "tokens only, where a fact's knowledge shows (protects other facts better), or on every "
                              "token of the prompt and answer. Documents always use every token."));
    precision_ = new QComboBox;
    precision_->addItem(tr("fp32"), "fp32");
    precision_->addItem(tr("bf16 autocast"), "bf16");
    precision_->setToolTip(tr("bf16 autocast: matrix products in bfloat16, weights and optimizer state kept in fp32. "
                              "Faster on CPUs with AVX-512 BF16 or AMX and on GPUs for large models; results close to fp32's."));
    checkpoint_ = new QCheckBox(tr("recompute layers in the backward pass"));
    checkpoint_->setToolTip(tr("Activation checkpointing: keeps each layer's input only and recomputes the layer during "
                               "the backward pass. Much less memory for large models, about a third more compute."));
    lora_ = new QCheckBox(tr("train adapters instead of the weights"));
    lora_->setToolTip(tr("LoRA: every targeted matrix W of every layer stays frozen and learns a low-rank update "
                         "(alpha/r)·B·A instead; far fewer trained weights (no gradient or AdamW state for the model "
                         "itself). The run's weights are the model with the adapter merged; the adapter alone can be "
                         "exported as a PEFT folder or a GGUF LoRA file."));
    loraRank_ = ispin(1, 4096, tr("LoRA rank r: the adapters' inner size (8-64 is usual)."));
    loraAlpha_ = dspin(0.01, 100000, 2, 1, tr("LoRA alpha: the update is scaled by alpha / r."));
    loraTargets_ = new QLineEdit;
    loraTargets_->setToolTip(tr("The adapted matrices of each layer: all, or a comma-separated list of q, k, v, o "
                                "(attention) and gate, up, down (feed-forward)."));
    npoBeta_ = dspin(1e-4, 100, 4, 0.05, tr("NPO only: the inverse temperature β of the preference loss."));
    blowup_ = dspin(1, 1e9, 0, 10, tr("Divergence guard: a loss this many times its first value ends the run and "
                                      "restores the last good weights."));

    advanced_ = new QWidget(this);
    auto* adv = new QFormLayout(advanced_);
    adv->setContentsMargins(0, 0, 0, 0);
    adv->addRow(tr("Steps (at most):"), steps_);
    adv->addRow(tr("Batch per term:"), batch_);
    adv->addRow(tr("Learning rate:"), lr_);
    adv->addRow(tr("Schedule:"), schedule_);
    adv->addRow(tr("Warm-up steps:"), warmup_);
    adv->addRow(tr("Weight forget:"), wForget_);
    adv->addRow(tr("Weight old answers:"), wEdit_);
    adv->addRow(tr("Weight new answers:"), wUpdate_);
    adv->addRow(tr("Weight retain (KL):"), wRetain_);
    adv->addRow(tr("AdamW β1 / β2:"), [&] {
        auto* w = new QWidget;
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(beta1_);
        h->addWidget(beta2_);
        return w;
    }());
    adv->addRow(tr("Weight decay:"), wd_);
    adv->addRow(tr("Gradient clip:"), clip_);
    adv->addRow(tr("Forget loss bound:"), nllStop_);
    adv->addRow(tr("Broad retain rows/step:"), poolRows_);
    adv->addRow(QString(), klAnswers_);
    adv->addRow(tr("Trainable weights:"), trainParams_);
    adv->addRow(tr("LoRA:"), lora_);
    adv->addRow(tr("LoRA rank / alpha:"), [&] {
        auto* w = new QWidget;
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(loraRank_);
        h->addWidget(loraAlpha_);
        return w;
    }());
    adv->addRow(tr("LoRA targets:"), loraTargets_);
    adv->addRow(tr("Precision:"), precision_);
    adv->addRow(QString(), checkpoint_);
    adv->addRow(tr("Check targets every:"), evalEvery_);
    adv->addRow(QString(), earlyStop_);
    adv->addRow(QString(), pastBound_);
    adv->addRow(QString(), neverSeen_);
    adv->addRow(tr("Seed:"), seed_);
    adv->addRow(tr("NPO β:"), npoBeta_);
    adv->addRow(tr("Blow-up guard ×:"), blowup_);
    copyTooltipsToLabels(adv);

    advancedToggle_ = new QToolButton(this);
    advancedToggle_->setText(tr("Advanced settings"));
    advancedToggle_->setCheckable(true);
    advancedToggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    advancedToggle_->setArrowType(Qt::RightArrow);
    advancedToggle_->setAutoRaise(true);
    connect(advancedToggle_, &QToolButton::toggled, this, &SurgerySettingsForm::setAdvancedVisible);

    problems_ = new QLabel(this);
    problems_->setWordWrap(true);
    problems_->setStyleSheet("color:#a1261b");

    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addLayout(top);
    lay->addWidget(closedForm_);
    lay->addWidget(advancedToggle_);
    lay->addWidget(advanced_);
    lay->addWidget(problems_);
    setAdvancedVisible(false);

    connect(preset_, &QComboBox::activated, this, [this] { applyPreset(preset_->currentData().toString()); });
    connect(method_, &QComboBox::currentIndexChanged, this, [this] {
        methodHelp_->setText(method_->currentData(Qt::ToolTipRole).toString());
        showMethodSettings();
        if (loading_) return;   // the method is not part of a preset: no "+custom"
        problems_->setText(problems().join("\n"));
        Q_EMIT changed();
    });
    for (auto* s : findChildren<QSpinBox*>()) connect(s, &QSpinBox::valueChanged, this, &SurgerySettingsForm::onEdited);
    for (auto* s : findChildren<QDoubleSpinBox*>())
        connect(s, &QDoubleSpinBox::valueChanged, this, &SurgerySettingsForm::onEdited);
    for (auto* s : findChildren<QLineEdit*>()) connect(s, &QLineEdit::textEdited, this, &SurgerySettingsForm::onEdited);
    connect(schedule_, &QComboBox::currentIndexChanged, this, &SurgerySettingsForm::onEdited);
    connect(earlyStop_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(pastBound_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(neverSeen_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(klAnswers_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(precision_, &QComboBox::currentIndexChanged, this, &SurgerySettingsForm::onEdited);
    connect(checkpoint_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(startKeys_, &QCheckBox::toggled, this, &SurgerySettingsForm::onEdited);
    connect(lora_, &QCheckBox::toggled, this, [this](bool on) {   // not part of a preset: no "+custom"
        for (QWidget* w : std::initializer_list<QWidget*>{loraRank_, loraAlpha_, loraTargets_}) w->setEnabled(on);
        trainParams_->setEnabled(!on);
        if (loading_) return;
        problems_->setText(problems().join("\n"));
        Q_EMIT changed();
    });
    connect(chatPrompts_, &QCheckBox::toggled, this, [this] {   // not part of a preset: no "+custom"
        if (!loading_) Q_EMIT changed();
    });

    setConfig(surgery::SurgeryConfig::preset_named("demo"));
}

// ROME / MEMIT train nothing: their own settings instead of the preset and the training settings.
void SurgerySettingsForm::showMethodSettings() {
    surgery::Method m = surgery::Method::LlmSurgery;
    surgery::method_from_name(method_->currentData().toString().toStdString(), &m);
    const bool closed = surgery::is_closed_form(m);
    closedForm_->setVisible(closed);
    preset_->setEnabled(!closed);
    advancedToggle_->setVisible(!closed);
    advanced_->setVisible(!closed && advancedToggle_->isChecked());
}

void SurgerySettingsForm::setEditLayers(const QString& layers) {
    editLayers_->setText(layers);
    onEdited();
}

void SurgerySettingsForm::setAdvancedVisible(bool on) {
    advanced_->setVisible(on);
    advancedToggle_->setChecked(on);
    advancedToggle_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
}

void SurgerySettingsForm::applyPreset(const QString& name) {
    auto c = surgery::SurgeryConfig::preset_named(name.toStdString());
    c.method = config().method;   // a preset sets the numbers, not the method or the prompts' format
    c.chat_prompts = chatPrompts_->isChecked();
    c.lora = config().lora;   // nor LoRA
    c.lora_targets = config().lora_targets;
    setConfig(c);
    Q_EMIT changed();
}

surgery::SurgeryConfig SurgerySettingsForm::config() const {
    surgery::SurgeryConfig c;
    surgery::method_from_name(method_->currentData().toString().toStdString(), &c.method);
    c.preset = (presetBase_ + (modified_ ? "+custom" : "")).toStdString();
    c.steps = steps_->value();
    c.batch_size = batch_->value();
    c.lr = lr_->value();
    c.schedule = schedule_->currentData().toString().toStdString();
    c.warmup_steps = warmup_->value();
    c.w_forget = wForget_->value();
    c.w_edit = wEdit_->value();
    c.w_update = wUpdate_->value();
    c.w_retain = wRetain_->value();
    c.beta1 = beta1_->value();
    c.beta2 = beta2_->value();
    c.weight_decay = wd_->value();
    c.grad_clip = clip_->value();
    c.seed = seed_->text().toULongLong();
    c.eval_every = evalEvery_->value();
    c.early_stop = earlyStop_->isChecked();
    c.early_stop_past_bound = pastBound_->isChecked();
    c.forget_to_never_seen = neverSeen_->isChecked();
    c.train_params = trainParams_->text().trimmed().toStdString();
    c.forget_nll_stop = nllStop_->value();
    c.retain_pool_per_step = poolRows_->value();
    c.kl_answers_only = klAnswers_->isChecked();
    c.npo_beta = npoBeta_->value();
    c.blowup_factor = blowup_->value();
    c.precision = precision_->currentData().toString().toStdString();
    c.checkpoint_layers = checkpoint_->isChecked();
    c.chat_prompts = chatPrompts_->isChecked();
    if (lora_->isChecked()) c.lora = QString("%1:%2").arg(loraRank_->value()).arg(loraAlpha_->value()).toStdString();
    c.lora_targets = loraTargets_->text().trimmed().toStdString();
    c.edit = edit_;   // the settings the form does not show, as loaded
    c.edit.layers = editLayers_->text().trimmed().toStdString();
    c.edit.cov_samples = covSamples_->value();
    c.edit.mom2_weight = mom2_->value();
    c.edit.keep_relations = keepRelations_->value();
    c.edit.start_keys = startKeys_->isChecked();
    c.edit.forget_target = forgetTarget_->text().trimmed().toStdString();
    return c;
}

void SurgerySettingsForm::setConfig(const surgery::SurgeryConfig& c) {
    loading_ = true;
    for (int i = 0; i < method_->count(); ++i)
        if (method_->itemData(i).toString().toStdString() == surgery::method_name(c.method)) method_->setCurrentIndex(i);
    methodHelp_->setText(method_->currentData(Qt::ToolTipRole).toString());
    QString preset = QString::fromStdString(c.preset);
    modified_ = preset.endsWith("+custom");
    presetBase_ = modified_ ? preset.chopped(7) : preset;
    const int pi = preset_->findData(presetBase_);
    if (pi >= 0) preset_->setCurrentIndex(pi);
    steps_->setValue(c.steps);
    batch_->setValue(c.batch_size);
    lr_->setValue(c.lr);
    schedule_->setCurrentIndex(std::max(0, schedule_->findData(QString::fromStdString(c.schedule))));
    warmup_->setValue(c.warmup_steps);
    wForget_->setValue(c.w_forget);
    wEdit_->setValue(c.w_edit);
    wUpdate_->setValue(c.w_update);
    wRetain_->setValue(c.w_retain);
    beta1_->setValue(c.beta1);
    beta2_->setValue(c.beta2);
    wd_->setValue(c.weight_decay);
    clip_->setValue(c.grad_clip);
    seed_->setText(QString::number(c.seed));
    evalEvery_->setValue(c.eval_every);
    earlyStop_->setChecked(c.early_stop);
    pastBound_->setChecked(c.early_stop_past_bound);
    neverSeen_->setChecked(c.forget_to_never_seen);
    trainParams_->setText(QString::fromStdString(c.train_params));
    nllStop_->setValue(c.forget_nll_stop);
    poolRows_->setValue(c.retain_pool_per_step);
    klAnswers_->setChecked(c.kl_answers_only);
    npoBeta_->setValue(c.npo_beta);
    blowup_->setValue(c.blowup_factor);
    precision_->setCurrentIndex(std::max(0, precision_->findData(QString::fromStdString(c.precision))));
    checkpoint_->setChecked(c.checkpoint_layers);
    chatPrompts_->setChecked(c.chat_prompts);
    LoraConfig lc{8, 16, {}};   // shown (disabled) while LoRA is off
    if (!c.lora.empty()) try {
            lc = parse_lora(c.lora, c.lora_targets);
        } catch (const Error&) {   // a project file's bad value: the problems line says what is wrong
        }
    lora_->setChecked(!c.lora.empty());
    loraRank_->setValue((int)lc.rank);
    loraAlpha_->setValue(lc.alpha);
    loraTargets_->setText(QString::fromStdString(c.lora_targets));
    for (QWidget* w : std::initializer_list<QWidget*>{loraRank_, loraAlpha_, loraTargets_}) w->setEnabled(!c.lora.empty());
    trainParams_->setEnabled(c.lora.empty());
    edit_ = c.edit;
    editLayers_->setText(QString::fromStdString(c.edit.layers));
    covSamples_->setValue((int)std::min<int64_t>(c.edit.cov_samples, covSamples_->maximum()));
    mom2_->setValue(c.edit.mom2_weight);
    keepRelations_->setValue(std::clamp(c.edit.keep_relations, 0, keepRelations_->maximum()));
    startKeys_->setChecked(c.edit.start_keys);
    forgetTarget_->setText(QString::fromStdString(c.edit.forget_target));
    showMethodSettings();
    loading_ = false;
    problems_->setText(problems().join("\n"));
}

QStringList SurgerySettingsForm::problems() const {
    QStringList out;
    for (const auto& p : config().validate()) out << QString::fromStdString(p);
    return out;
}

void SurgerySettingsForm::onEdited() {
    if (loading_) return;
    modified_ = true;
    problems_->setText(problems().join("\n"));
    Q_EMIT changed();
}

}  // namespace llms::ui

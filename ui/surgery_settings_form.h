// Every surgery setting as a form: method, preset (paper / demo), and an advanced panel with each
// hyper-parameter (a tooltip says what each does). Reads and writes a surgery::SurgeryConfig.
#pragma once
#include "core/surgery/surgery_config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace llms::ui {

class SurgerySettingsForm : public QWidget {
    Q_OBJECT
public:
    explicit SurgerySettingsForm(QWidget* parent = nullptr);

    surgery::SurgeryConfig config() const;
    void setConfig(const surgery::SurgeryConfig& c);
    void applyPreset(const QString& name);       // "paper" | "demo"
    QStringList problems() const;                // SurgeryConfig::validate(), as shown under the form
    void setAdvancedVisible(bool on);
    void setEditLayers(const QString& layers);    // ROME / MEMIT: "auto", "L" or "A-B" (the Causal trace tab)

Q_SIGNALS:
    void changed();

private:
    void onEdited();
    void showMethodSettings();

    bool loading_ = false;
    QString presetBase_;                          // the preset the values came from
    bool modified_ = false;
    QComboBox *method_, *preset_, *schedule_, *precision_;
    QLabel *methodHelp_, *problems_;
    QToolButton* advancedToggle_;
    QWidget* advanced_;
    QSpinBox *steps_, *batch_, *warmup_, *evalEvery_, *poolRows_, *loraRank_;
    QDoubleSpinBox *lr_, *wForget_, *wEdit_, *wUpdate_, *wRetain_, *beta1_, *beta2_, *wd_, *clip_, *nllStop_, *npoBeta_,
        *blowup_, *loraAlpha_;
    QLineEdit *seed_, *trainParams_, *loraTargets_;
    QCheckBox *earlyStop_, *pastBound_, *neverSeen_, *klAnswers_, *checkpoint_, *chatPrompts_, *lora_;
    // ROME / MEMIT (config().edit): the fields shown, and the rest as loaded
    QWidget* closedForm_;
    QLineEdit *editLayers_, *forgetTarget_;
    QSpinBox *covSamples_, *keepRelations_;
    QCheckBox* startKeys_;
    QDoubleSpinBox* mom2_;
    edit::EditSettings edit_;
};

}  // namespace llms::ui

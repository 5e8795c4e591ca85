// The Model tab: open a model folder (dialog, recent list, drag and drop anywhere on the window, --model),
// device and dtype, loading progress, and the model card.
#pragma once
#include "core/session/session_types.h"

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace llms::ui {

class AppSettings;
class SessionController;

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    ModelPanel(SessionController* controller, AppSettings* settings, QWidget* parent = nullptr);

    void open(const QString& dir);        // loads in the background; the card appears when done
    void chooseAndOpen();                 // folder dialog
    void useDemoModel();                  // opens the demo model, building it first (once, with progress)
    static QString demoModelDir();        // "" when unknown (no HOME)
    QAction* openAction() const { return open_; }
    static bool looksLikeModelFolder(const QString& dir);

Q_SIGNALS:
    void status(const QString& message);
    void next();                          // "Next: choose the facts" clicked

private:
    void showCard(const session::ModelCard& c);
    void refreshRecent();

    SessionController* controller_;
    AppSettings* settings_;
    QAction* open_;
    QComboBox *device_, *dtype_;
    QListWidget* recent_;
    QProgressBar* progress_;
    QLabel *card_, *memory_;
    QPushButton *next_, *demo_, *stopDemo_;
    QProgressBar* demoProgress_;
    QLabel* demoStatus_;
    QString loading_;
};

QString humanBytes(int64_t bytes);
QString humanCount(int64_t n);

}  // namespace llms::ui

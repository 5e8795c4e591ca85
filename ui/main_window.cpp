#include "ui/main_window.h"

#include <QLabel>

namespace llms::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("LLM Surgery"));
    setCentralWidget(new QLabel(tr("Open a model to begin."), this));
    resize(1200, 800);
}

}  // namespace llms::ui

#pragma once
#include <QMainWindow>

namespace llms::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace llms::ui

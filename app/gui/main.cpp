// llm-surgery: the desktop application.
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("llm-surgery");
    QApplication::setOrganizationName("llm-surgery");
    llms::ui::MainWindow w;
    w.show();
    return app.exec();
}

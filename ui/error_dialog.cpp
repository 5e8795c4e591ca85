#include "ui/error_dialog.h"

#include <QMessageBox>

namespace llms::ui {

void showError(QWidget* parent, const QString& what, const QString& message) {
    auto* box = new QMessageBox(QMessageBox::Warning, QObject::tr("%1 failed").arg(what), message, QMessageBox::Ok, parent);
    box->setObjectName("errorBox");
    box->setTextFormat(Qt::PlainText);   // messages quote file contents (tensor names...): never rendered as HTML
    box->setInformativeText(QObject::tr("Nothing else was changed. Fix the problem above and try again."));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->open();
}

}  // namespace llms::ui

#include "ui/kind_delegate.h"

#include <QComboBox>

namespace llms::ui {

QWidget* KindDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem&, const QModelIndex&) const {
    auto* c = new QComboBox(parent);
    c->addItem(tr("Forget"), "forget");
    c->addItem(tr("Update"), "update");
    c->addItem(tr("Retain"), "retain");
    return c;
}

void KindDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
    auto* c = static_cast<QComboBox*>(editor);
    c->setCurrentIndex(std::max(0, c->findData(index.data(Qt::EditRole).toString())));
}

void KindDelegate::setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const {
    model->setData(index, static_cast<QComboBox*>(editor)->currentData(), Qt::EditRole);
}

}  // namespace llms::ui

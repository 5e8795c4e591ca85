#include "ui/fact_table_model.h"

#include "ui/fact_commands.h"

#include <QBrush>
#include <QColor>
#include <QFont>

#include <algorithm>

namespace llms::ui {

namespace {

constexpr auto kListSep = " | ";   // the CSV format's list separator, reused for the paraphrases cell

QString joinList(const std::vector<std::string>& v) {
    QStringList l;
    for (const auto& s : v) l << QString::fromStdString(s);
    return l.join(kListSep);
}

std::vector<std::string> splitList(const QString& s) {
    std::vector<std::string> out;
    for (const auto& part : s.split('|')) {
        const QString t = part.trimmed();
        if (!t.isEmpty()) out.push_back(t.toStdString());
    }
    return out;
}

// Which column an Issue's field belongs to.
int columnOfField(const std::string& f) {
    if (f == "kind") return FactTableModel::KindCol;
    if (f == "prompt" || f == "text") return FactTableModel::PromptCol;
    if (f == "answer") return FactTableModel::AnswerCol;
    if (f == "new_answer") return FactTableModel::NewAnswerCol;
    if (f == "paraphrases") return FactTableModel::ParaphrasesCol;
    return FactTableModel::ProblemsCol;
}

}  // namespace

QString kindLabel(facts::Kind k) {
    switch (k) {
        case facts::Kind::Forget: return QObject::tr("Forget");
        case facts::Kind::Update: return QObject::tr("Update");
        case facts::Kind::Retain: return QObject::tr("Retain");
    }
    return {};
}

QColor kindColor(facts::Kind k) {
    switch (k) {
        case facts::Kind::Forget: return QColor(0xfb, 0xe1, 0xe1);   // red tint: to be removed
        case facts::Kind::Update: return QColor(0xfd, 0xf0, 0xcc);   // amber tint: to be changed
        case facts::Kind::Retain: return QColor(0xdf, 0xf2, 0xe3);   // green tint: to be kept
    }
    return {};
}

FactTableModel::FactTableModel(QObject* parent) : QAbstractTableModel(parent) {
    connect(&undo_, &QUndoStack::cleanChanged, this, [this] { Q_EMIT factsChanged(); });
}

int FactTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : (int)set_.facts.size();
}

int FactTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString FactTableModel::fieldText(int row, int column) const {
    const auto& f = set_.facts[row];
    switch (column) {
        case KindCol: return QString::fromUtf8(facts::kind_name(f.kind).data(), (int)facts::kind_name(f.kind).size());
        case PromptCol: return QString::fromStdString(f.is_document() ? f.text : f.prompt);
        case AnswerCol: return QString::fromStdString(f.answer);
        case NewAnswerCol: return QString::fromStdString(f.new_answer);
        case ParaphrasesCol: return joinList(f.paraphrases);
        case ModelSaysCol: return f.is_document() ? QString() : modelSays_.value(QString::fromStdString(f.prompt));
        case ProblemsCol: return rowProblems(row).join("; ");
    }
    return {};
}

QVariant FactTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const auto& f = set_.facts[index.row()];
    const int col = index.column();
    bool cellProblem = false;
    QStringList cellMessages;
    for (const auto& is : issues_)
        if (is.fact == index.row() && columnOfField(is.field) == col) {
            cellProblem = true;
            cellMessages << QString::fromStdString(is.message);
        }
    switch (role) {
        case Qt::DisplayRole:
            if (col == KindCol) return kindLabel(f.kind) + (f.is_document() ? tr(" (document)") : QString());
            if (col == ProblemsCol) {
                const auto p = rowProblems(index.row());
                return p.isEmpty() ? QString() : QStringLiteral("⚠ ") + p.join("; ");
            }
            return fieldText(index.row(), col);
        case Qt::EditRole: return fieldText(index.row(), col);
        case Qt::BackgroundRole:
            if (cellProblem) return QBrush(QColor(0xf5, 0xb7, 0xb1));
            return QBrush(kindColor(f.kind));
        case Qt::ForegroundRole:
            if (col == ProblemsCol) return QBrush(QColor(0xa1, 0x26, 0x1b));
            if (col == ModelSaysCol) return QBrush(QColor(0x33, 0x46, 0x6b));
            return {};
        case Qt::FontRole:
            if (col == KindCol) {
                QFont b;
                b.setBold(true);
                return b;
            }
            return {};
        case Qt::ToolTipRole:
            if (!cellMessages.isEmpty()) return cellMessages.join("\n");
            switch (col) {
                case KindCol: return tr("Forget: the model must stop giving this answer.\n"
                                        "Update: the model must give the new answer instead.\n"
                                        "Retain: the model must keep giving this answer.");
                case PromptCol: return f.is_document() ? tr("A document: its text is trained as a whole") : tr("The prompt the model completes");
                case AnswerCol: return f.kind == facts::Kind::Update ? tr("The old answer (optional for updates)") : tr("The answer");
                case NewAnswerCol: return tr("Updates only: the answer the model must give after the surgery");
                case ParaphrasesCol: return tr("Other wordings of the prompt, separated by |. Never trained on: they test "
                                               "whether the edit generalises.");
                case ModelSaysCol: return tr("What the model answers now (greedy). Fill it with \"Ask the model\".");
                case ProblemsCol: return rowProblems(index.row()).join("\n");
            }
            return {};
        case KindRole: return (int)f.kind;
        case SearchTextRole:
            return fieldText(index.row(), PromptCol) + '\n' + fieldText(index.row(), AnswerCol) + '\n' +
                   fieldText(index.row(), NewAnswerCol) + '\n' + fieldText(index.row(), ParaphrasesCol) + '\n' +
                   fieldText(index.row(), ModelSaysCol);
    }
    return {};
}

QVariant FactTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (role == Qt::DisplayRole) {
        switch (section) {
            case KindCol: return tr("Kind");
            case PromptCol: return tr("Prompt");
            case AnswerCol: return tr("Answer");
            case NewAnswerCol: return tr("New answer");
            case ParaphrasesCol: return tr("Paraphrases");
            case ModelSaysCol: return tr("Model says");
            case ProblemsCol: return tr("Problems");
        }
    }
    if (role == Qt::ToolTipRole && section == ModelSaysCol) return tr("The model's current greedy answer (\"Ask the model\")");
    return {};
}

Qt::ItemFlags FactTableModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags fl = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const auto& f = set_.facts[index.row()];
    const int col = index.column();
    const bool editable = col == KindCol || col == PromptCol ||
                          (!f.is_document() && (col == AnswerCol || col == ParaphrasesCol ||
                                                (col == NewAnswerCol && f.kind == facts::Kind::Update)));
    return editable ? fl | Qt::ItemIsEditable : fl;
}

bool FactTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !index.isValid() || !(flags(index) & Qt::ItemIsEditable)) return false;
    const int row = index.row(), col = index.column();
    QString v = value.toString();
    if (col == KindCol) {
        v = v.trimmed().toLower();
        if (!facts::kind_from_name(v.toStdString())) {
            Q_EMIT editRejected(tr("\"%1\" is not a kind: use forget, update or retain").arg(value.toString()));
            return false;
        }
    }
    if (col == PromptCol && v.trimmed().isEmpty()) {
        Q_EMIT editRejected(set_.facts[row].is_document() ? tr("A document needs text; delete the row to remove it")
                                                          : tr("A fact needs a prompt; delete the row to remove it"));
        return false;
    }
    if (fieldText(row, col) == v) return false;
    undo_.push(new EditFieldCommand(this, row, col, v));
    return true;
}

void FactTableModel::setFieldRaw(int row, int column, const QString& value) {
    auto& f = set_.facts[row];
    const std::string v = value.toStdString();
    switch (column) {
        case KindCol:
            f.kind = facts::kind_from_name(v).value_or(f.kind);
            if (f.kind != facts::Kind::Update && !f.new_answer.empty() && f.answer.empty()) f.answer = f.new_answer;
            if (f.kind != facts::Kind::Update) f.new_answer.clear();
            break;
        case PromptCol: (f.is_document() ? f.text : f.prompt) = v; break;
        case AnswerCol: f.answer = v; break;
        case NewAnswerCol: f.new_answer = v; break;
        case ParaphrasesCol: f.paraphrases = splitList(value); break;
        default: return;
    }
    revalidate();
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT factsChanged();
}

void FactTableModel::replaceFactRaw(int row, const facts::Fact& f) {
    set_.facts[row] = f;
    revalidate();
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT factsChanged();
}

void FactTableModel::resetFacts(const facts::FactSet& set) {
    beginResetModel();
    set_ = set;
    revalidate();
    endResetModel();
    Q_EMIT factsChanged();
}

void FactTableModel::loadFacts(const facts::FactSet& set) {
    resetFacts(set);
    undo_.clear();
    undo_.setClean();
}

void FactTableModel::insertFactsRaw(int row, const std::vector<facts::Fact>& fs) {
    if (fs.empty()) return;
    row = std::clamp(row, 0, rowCount());
    beginInsertRows({}, row, row + (int)fs.size() - 1);
    set_.facts.insert(set_.facts.begin() + row, fs.begin(), fs.end());
    endInsertRows();
    revalidate();
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ProblemsCol), index(rowCount() - 1, ProblemsCol));
    Q_EMIT factsChanged();
}

std::vector<facts::Fact> FactTableModel::removeFactsRaw(const QList<int>& sortedRows) {
    std::vector<facts::Fact> removed(sortedRows.size());
    for (int i = (int)sortedRows.size() - 1; i >= 0; --i) {   // from the bottom so indices stay valid
        const int r = sortedRows[i];
        beginRemoveRows({}, r, r);
        removed[i] = set_.facts[r];
        set_.facts.erase(set_.facts.begin() + r);
        endRemoveRows();
    }
    revalidate();
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ProblemsCol), index(rowCount() - 1, ProblemsCol));
    Q_EMIT factsChanged();
    return removed;
}

void FactTableModel::addFact(facts::Kind kind, int row) {
    facts::Fact f;
    f.kind = kind;
    f.prompt = tr("New prompt").toStdString();
    f.answer = kind == facts::Kind::Update ? std::string() : tr(" answer").toStdString();
    if (kind == facts::Kind::Update) f.new_answer = tr(" new answer").toStdString();
    if (row < 0 || row > rowCount()) row = rowCount();
    undo_.push(new InsertFactsCommand(this, row, {f}, tr("Add %1 fact").arg(kindLabel(kind).toLower())));
}

void FactTableModel::duplicateRows(QList<int> rows) {
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    if (rows.isEmpty()) return;
    std::vector<facts::Fact> copies;
    for (int r : rows) {
        facts::Fact f = set_.facts[r];
        f.id.clear();   // ids must stay unique
        copies.push_back(f);
    }
    undo_.push(new InsertFactsCommand(this, rows.last() + 1, copies,
                                      copies.size() == 1 ? tr("Duplicate fact") : tr("Duplicate %1 facts").arg(copies.size())));
}

void FactTableModel::removeRows(QList<int> rows) {
    if (rows.isEmpty()) return;
    undo_.push(new RemoveFactsCommand(this, rows));
}

void FactTableModel::importFacts(const facts::FactSet& set, bool replace) {
    if (replace) {
        undo_.push(new ReplaceFactsCommand(this, set_, set, tr("Replace facts with %1 imported").arg(set.facts.size())));
        return;
    }
    undo_.push(new InsertFactsCommand(this, rowCount(), set.facts, tr("Import %1 facts").arg(set.facts.size())));
}

QStringList FactTableModel::rowProblems(int row) const {
    QStringList out;
    for (const auto& is : issues_)
        if (is.fact == row) {
            const QString field = is.field.empty() ? QString() : QString::fromStdString(is.field) + ": ";
            out << field + QString::fromStdString(is.message);
        }
    return out;
}

void FactTableModel::setModelAnswers(const QStringList& prompts, const QStringList& answers) {
    for (int i = 0; i < prompts.size() && i < answers.size(); ++i) modelSays_[prompts[i]] = answers[i];
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ModelSaysCol), index(rowCount() - 1, ModelSaysCol));
}

void FactTableModel::clearModelAnswers() {
    modelSays_.clear();
    if (rowCount() > 0) Q_EMIT dataChanged(index(0, ModelSaysCol), index(rowCount() - 1, ModelSaysCol));
}

QStringList FactTableModel::prompts() const {
    QStringList out;
    for (const auto& f : set_.facts)
        if (!f.is_document()) out << QString::fromStdString(f.prompt);
    return out;
}

void FactTableModel::revalidate() { issues_ = set_.validate(); }

}  // namespace llms::ui

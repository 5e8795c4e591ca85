// The Results tab's side-by-side view: every run of the session in one table, a column each (the original model
// first), the same report rows for every method — surgery presets, the baselines, ROME, MEMIT — so that which one
// keeps the model better is read across a row. The best value of each row is bold.
#pragma once
#include "core/session/session_types.h"

#include <QWidget>

#include <vector>

class QLabel;
class QTableWidget;

namespace llms::ui {

class RunComparison : public QWidget {
    Q_OBJECT
public:
    explicit RunComparison(QWidget* parent = nullptr);

    // Runs without a report are left out.
    void setRuns(const std::vector<session::RunRecord>& runs);
    QTableWidget* table() const { return table_; }

private:
    QLabel* note_;
    QTableWidget* table_;
};

}  // namespace llms::ui

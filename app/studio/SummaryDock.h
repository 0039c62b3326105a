#pragma once
// The summary: total parameters, FLOPs per sample, activation memory at the chosen batch size,
// and an estimate of the time per epoch on each device this machine has.
#include <QDockWidget>

class Document;
class QLabel;
class QSpinBox;

class SummaryDock : public QDockWidget {
    Q_OBJECT
public:
    SummaryDock(Document* doc, QWidget* parent = nullptr);
    QString text() const;                               // everything shown, for tests

private:
    void refresh();
    double cpuTrainingFlopsPerSecond();                 // measured once, on first use

    Document* doc_;
    QSpinBox* batch_;
    QSpinBox* samples_;
    QLabel* totals_;
    QLabel* devices_;
    double cpuRate_ = 0;
};

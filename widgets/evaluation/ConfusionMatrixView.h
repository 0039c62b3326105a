#pragma once
// A confusion matrix of N classes, painted: rows are the true classes, columns the predicted ones.
// - Each cell shows its count; its colour is its share of the row (how often that true class
//   ends in that prediction): blue on the diagonal (right), orange off it (mistakes), so the
//   confusions that matter stand out whatever the class sizes.
// - Class names on both axes (the predicted ones written upwards above their columns).
// - Hovering a cell tells its count and share; clicking it (or Enter/Space on the current cell)
//   emits cellClicked. The arrow keys, Home and End move the current cell.
// Knows nothing of the engine: names and counts only. GUI thread only.
#include <QStringList>
#include <QVector>
#include <QWidget>

class ConfusionMatrixView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);

    // counts: [classes × classes], row-major [true × predicted]; classNames: [classes]. A size that
    // does not match clears the view.
    void setMatrix(const QStringList& classNames, const QVector<qint64>& counts);
    void clear();
    int classes() const { return int(names_.size()); }
    qint64 count(int trueClass, int predicted) const;
    double rowShare(int trueClass, int predicted) const;   // count / the row's total; 0 for an empty row

    // The current (selected) cell, or (−1, −1); setting it does not emit cellClicked.
    QPoint currentCell() const { return current_; }   // x: predicted, y: true class
    void setCurrentCell(int trueClass, int predicted);

    // Where cell (trueClass, predicted) is drawn, in widget coordinates (tests click its centre).
    QRect cellRect(int trueClass, int predicted) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void cellClicked(int trueClass, int predicted);
    void currentCellChanged(int trueClass, int predicted);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;   // tooltips
    void changeEvent(QEvent* event) override;

private:
    struct Layout {
        int left = 0, top = 0;   // where the grid starts
        int cell = 0;            // cell side in pixels
    };
    Layout layout() const;
    int labelWidth() const;      // the widest class name, capped
    QPoint cellAt(const QPoint& position) const;   // (predicted, true) or (−1, −1)
    QString describe(int trueClass, int predicted) const;

    QStringList names_;
    QVector<qint64> counts_;     // [classes × classes]
    QVector<qint64> rowTotals_;  // [classes]
    QPoint current_{-1, -1};
};

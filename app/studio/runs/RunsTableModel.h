#pragma once
// The runs of a workspace as a table: one row per run (in id order), one column per fact the
// Runs browser shows. Plain values in, no SQL: the dock lists rows with neurite::listRunRows and
// hands them over with setRows, which changes only what changed so that views keep their selection.
// - Qt::DisplayRole: the text ("-" for an absent value); Qt::DecorationRole: the status dot;
//   SortRole: the typed value (numbers as numbers, dates as seconds), invalid when absent.
// - GUI thread only.
#include "engine/store/RunIndex.h"

#include <QAbstractTableModel>
#include <functional>
#include <QColor>
#include <QIcon>

#include <vector>

class RunsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Id, Name, Status, Model, Dataset, Created, Duration, Epochs, Batch, Optimizer, Lr,
        BestValAccuracy, BestValLoss, TestAccuracy, Tags, ColumnCount
    };
    enum Role { IdRole = Qt::UserRole + 1, SortRole };

    // A cell's value for sorting: a number, a text, or nothing (absent values sort last).
    struct SortKey {
        enum Kind { None, Number, Text } kind = None;
        double number = 0;
        QString text;
    };

    explicit RunsTableModel(QObject* parent = nullptr);

    // Replaces the rows (each list in id order). Rows that vanished are removed, new ones inserted
    // and changed ones updated in place; past a few hundred separate changes the model is reset
    // instead. Returns true when it was reset.
    bool setRows(std::vector<neurite::RunRow> rows);
    const neurite::RunRow& run(int row) const { return rows_[std::size_t(row)].run; }
    int rowOfId(qint64 id) const;                       // -1 when there is no such run
    int runningCount() const;
    // A running run's duration grows: tells views to redraw that column for running rows.
    void tickRunning();
    // The run's colour (the same in every view that draws runs), shown as a swatch by its id;
    // unset: no swatch. colourChanged(): ask again.
    void setColourOf(std::function<QColor(qint64 id)> colourOf);
    void coloursChanged();

    SortKey sortKey(int row, int column) const;
    // Whether the row contains every word (lower case) in its id, name, model, data set, tags or notes.
    bool matches(int row, const QStringList& words) const;

    static const QStringList& statuses();               // queued, running, completed, ...
    static QColor statusColor(const QString& status);
    static QIcon statusIcon(const QString& status);     // a coloured dot, cached

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        neurite::RunRow run;
        QString name, status, model, dataset, optimizer, tags;  // converted once, for display and sorting
        QString haystack;                                         // lower-case text the search looks in
    };
    static Row makeRow(neurite::RunRow run);
    std::optional<double> duration(const neurite::RunRow& r) const;
    QString text(const Row& row, int column) const;

    std::vector<Row> rows_;
    std::function<QColor(qint64)> colourOf_;
};

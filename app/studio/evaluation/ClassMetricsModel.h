#pragma once
// Per-class precision, recall, F1 and support of an evaluation as a table: one row per class,
// the columns below. Qt::DisplayRole is the text shown ("0.912", "1,000"), Qt::UserRole the number
// (sort by it: a QSortFilterProxyModel with sortRole Qt::UserRole). The numbers come from
// neurite::perClassMetrics (engine/run/RunRecorder.h), computed once there.
#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>

#include <nlohmann/json_fwd.hpp>

class ClassMetricsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Class, Precision, Recall, F1, Support, Columns };

    struct Row {
        QString name;
        double precision = 0, recall = 0, f1 = 0;
        qint64 support = 0;
    };

    explicit ClassMetricsModel(QObject* parent = nullptr);

    // perClassMetrics' array: [{"class", "precision", "recall", "f1", "support"}, ...]
    void setMetrics(const nlohmann::json& perClass);
    void clear();
    const Row& row(int i) const { return rows_[i]; }
    double macroF1() const;   // the mean F1 over classes with support

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<Row> rows_;
};

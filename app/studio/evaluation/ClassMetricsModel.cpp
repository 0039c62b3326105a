#include "app/studio/evaluation/ClassMetricsModel.h"

#include <QLocale>

#include <nlohmann/json.hpp>

ClassMetricsModel::ClassMetricsModel(QObject* parent) : QAbstractTableModel(parent) {}

void ClassMetricsModel::setMetrics(const nlohmann::json& perClass)
{
    beginResetModel();
    rows_.clear();
    for (const auto& c : perClass)
        rows_.push_back({QString::fromStdString(c.value("class", std::string())), c.value("precision", 0.0),
                         c.value("recall", 0.0), c.value("f1", 0.0), c.value("support", qint64(0))});
    endResetModel();
}

void ClassMetricsModel::clear()
{
    beginResetModel();
    rows_.clear();
    endResetModel();
}

double ClassMetricsModel::macroF1() const
{
    double sum = 0;
    int counted = 0;
    for (const Row& r : rows_)
        if (r.support > 0) {
            sum += r.f1;
            ++counted;
        }
    return counted ? sum / counted : 0.0;
}

int ClassMetricsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

int ClassMetricsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : Columns;
}

QVariant ClassMetricsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row& r = rows_[index.row()];
    const auto number = [&]() -> QVariant {
        switch (index.column()) {
        case Class: return r.name;
        case Precision: return r.precision;
        case Recall: return r.recall;
        case F1: return r.f1;
        case Support: return r.support;
        }
        return {};
    };
    switch (role) {
    case Qt::UserRole: return number();
    case Qt::DisplayRole:
        if (index.column() == Class)
            return r.name;
        if (index.column() == Support)
            return QLocale().toString(r.support);
        return QLocale().toString(number().toDouble(), 'f', 3);
    case Qt::TextAlignmentRole:
        return index.column() == Class ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant ClassMetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Class: return tr("Class");
        case Precision: return tr("Precision");
        case Recall: return tr("Recall");
        case F1: return tr("F1");
        case Support: return tr("Support");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Precision: return tr("Of the samples predicted as this class, the share that are it");
        case Recall: return tr("Of the samples of this class, the share predicted as it");
        case F1: return tr("The harmonic mean of precision and recall");
        case Support: return tr("Test samples of this class");
        }
    }
    return {};
}

#include "app/studio/runs/RunsFilterModel.h"

#include "app/studio/runs/RunsTableModel.h"

#include <algorithm>

RunsFilterModel::RunsFilterModel(RunsTableModel* runs, QObject* parent) : QSortFilterProxyModel(parent), runs_(runs)
{
    setSourceModel(runs);
    setSortRole(RunsTableModel::SortRole);
    setDynamicSortFilter(true);
}

void RunsFilterModel::setSearchText(const QString& text)
{
    if (text == search_)
        return;
    search_ = text;
    words_ = text.toLower().split(QChar(' '), Qt::SkipEmptyParts);
    invalidateRowsFilter();
}

void RunsFilterModel::setStatusFilter(const QString& status)
{
    if (status == status_)
        return;
    status_ = status;
    statusKey_ = status.toStdString();
    invalidateRowsFilter();
}

void RunsFilterModel::setTagFilter(const QString& tag)
{
    if (tag == tag_)
        return;
    tag_ = tag;
    tagKey_ = tag.toStdString();
    invalidateRowsFilter();
}

qint64 RunsFilterModel::idAt(int proxyRow) const
{
    return runs_->run(mapToSource(index(proxyRow, 0)).row()).id;
}

QModelIndex RunsFilterModel::indexOfId(qint64 id, int column) const
{
    const int row = runs_->rowOfId(id);
    return row < 0 ? QModelIndex() : mapFromSource(runs_->index(row, column));
}

bool RunsFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex&) const
{
    const neurite::RunRow& r = runs_->run(sourceRow);
    if (!statusKey_.empty() && r.status != statusKey_)
        return false;
    if (!tagKey_.empty() && std::find(r.tags.begin(), r.tags.end(), tagKey_) == r.tags.end())
        return false;
    return words_.isEmpty() || runs_->matches(sourceRow, words_);
}

bool RunsFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    using Key = RunsTableModel::SortKey;
    const Key a = runs_->sortKey(left.row(), left.column()), b = runs_->sortKey(right.row(), right.column());
    const auto byId = [&] { return runs_->run(left.row()).id < runs_->run(right.row()).id; };  // ties: by id
    if (a.kind == Key::None || b.kind == Key::None) {
        if (a.kind == b.kind)
            return byId();
        // The present value comes first in either order (a descending sort reverses this answer).
        return (a.kind != Key::None) == (sortOrder() == Qt::AscendingOrder);
    }
    if (a.kind == Key::Number)
        return a.number != b.number ? a.number < b.number : byId();
    const int order = a.text.compare(b.text, Qt::CaseInsensitive);
    return order != 0 ? order < 0 : byId();
}

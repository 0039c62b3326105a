#pragma once
// The Runs browser's view of a RunsTableModel: sorted by any column with the column's own type
// (numbers as numbers, dates as dates, text without case; absent values last in either order) and
// filtered by a free-text search, a status and a tag. GUI thread only.
#include <QSortFilterProxyModel>

#include <string>

class RunsTableModel;

class RunsFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunsFilterModel(RunsTableModel* runs, QObject* parent = nullptr);

    // Words separated by spaces; a run matches when each word is in its id, name, model, data
    // set, tags or notes (ignoring case). Empty: every run.
    void setSearchText(const QString& text);
    void setStatusFilter(const QString& status);       // empty: any status
    void setTagFilter(const QString& tag);              // empty: any tag
    QString searchText() const { return search_; }
    QString statusFilter() const { return status_; }
    QString tagFilter() const { return tag_; }

    RunsTableModel* runs() const { return runs_; }
    qint64 idAt(int proxyRow) const;                    // the run shown in that row
    QModelIndex indexOfId(qint64 id, int column = 0) const;  // invalid when filtered out or absent

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    RunsTableModel* runs_;
    QString search_, status_, tag_;
    QStringList words_;                                 // search_, lower case, split
    std::string statusKey_, tagKey_;                    // status_ and tag_ as the rows hold them
};

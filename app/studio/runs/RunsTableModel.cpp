#include "app/studio/runs/RunsTableModel.h"

#include <QDateTime>
#include <QHash>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <unordered_set>

namespace {

constexpr int kMaxSeparateChanges = 200;  // past this many row ranges, a reset is cheaper

QString optionalNumber(const std::optional<double>& v, int decimals)
{
    return v ? QString::number(*v, 'f', decimals) : QStringLiteral("-");
}

QString durationText(double seconds)
{
    const qint64 s = qint64(seconds + 0.5);
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1h %2m").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0'));
}

// Ranges [first, last] of consecutive indices, in increasing order.
std::vector<std::pair<int, int>> ranges(const std::vector<int>& sorted)
{
    std::vector<std::pair<int, int>> out;
    for (int i : sorted) {
        if (!out.empty() && out.back().second + 1 == i)
            out.back().second = i;
        else
            out.push_back({i, i});
    }
    return out;
}

} // namespace

RunsTableModel::RunsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

RunsTableModel::Row RunsTableModel::makeRow(neurite::RunRow run)
{
    Row row;
    row.name = QString::fromStdString(run.name);
    row.status = QString::fromStdString(run.status);
    row.model = QString::fromStdString(run.modelName);
    row.dataset = QString::fromStdString(run.dataset);
    row.optimizer = run.optimizer ? QString::fromStdString(*run.optimizer) : QString();
    QStringList tags;
    for (const auto& t : run.tags)
        tags << QString::fromStdString(t);
    row.tags = tags.join(QStringLiteral(", "));
    row.haystack = QStringList{QString::number(run.id), row.name, row.model, row.dataset, row.tags,
                               QString::fromStdString(run.notes)}
                       .join(QChar('\n'))
                       .toLower();
    row.run = std::move(run);
    return row;
}

bool RunsTableModel::setRows(std::vector<neurite::RunRow> fresh)
{
    // Which current rows vanished, and how many separate changes a merge would make.
    std::unordered_set<qint64> freshIds;
    for (const auto& r : fresh)
        freshIds.insert(r.id);
    std::vector<int> removed;
    for (int i = 0; i < int(rows_.size()); ++i)
        if (!freshIds.count(rows_[std::size_t(i)].run.id))
            removed.push_back(i);
    const auto removedRanges = ranges(removed);
    const bool reset = rows_.empty() || fresh.empty() ||
                       int(removedRanges.size()) + std::abs(int(fresh.size()) - int(rows_.size())) > kMaxSeparateChanges;
    if (reset) {
        beginResetModel();
        rows_.clear();
        rows_.reserve(fresh.size());
        for (auto& r : fresh)
            rows_.push_back(makeRow(std::move(r)));
        endResetModel();
        return true;
    }
    for (auto it = removedRanges.rbegin(); it != removedRanges.rend(); ++it) {  // from the back: indices stay valid
        beginRemoveRows({}, it->first, it->second);
        rows_.erase(rows_.begin() + it->first, rows_.begin() + it->second + 1);
        endRemoveRows();
    }
    // Now every current id is in fresh, both in id order: walk them together.
    std::vector<int> changed;
    std::size_t at = 0;
    for (std::size_t i = 0; i < fresh.size();) {
        if (at < rows_.size() && rows_[at].run.id == fresh[i].id) {
            if (!(rows_[at].run == fresh[i])) {
                rows_[at] = makeRow(std::move(fresh[i]));
                changed.push_back(int(at));
            }
            ++at, ++i;
            continue;
        }
        std::size_t end = i;  // fresh[i, end) are new runs that go before rows_[at]
        while (end < fresh.size() && (at == rows_.size() || fresh[end].id != rows_[at].run.id))
            ++end;
        beginInsertRows({}, int(at), int(at + (end - i)) - 1);
        std::vector<Row> added;
        for (std::size_t k = i; k < end; ++k)
            added.push_back(makeRow(std::move(fresh[k])));
        rows_.insert(rows_.begin() + std::ptrdiff_t(at), std::make_move_iterator(added.begin()),
                     std::make_move_iterator(added.end()));
        endInsertRows();
        at += end - i;
        i = end;
    }
    for (const auto& [first, last] : ranges(changed))
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    return false;
}

int RunsTableModel::rowOfId(qint64 id) const
{
    const auto it = std::lower_bound(rows_.begin(), rows_.end(), id, [](const Row& r, qint64 v) { return r.run.id < v; });
    return it != rows_.end() && it->run.id == id ? int(it - rows_.begin()) : -1;
}

int RunsTableModel::runningCount() const
{
    return int(std::count_if(rows_.begin(), rows_.end(), [](const Row& r) { return r.run.status == "running"; }));
}

void RunsTableModel::tickRunning()
{
    for (int i = 0; i < int(rows_.size()); ++i)
        if (rows_[std::size_t(i)].run.status == "running")
            emit dataChanged(index(i, Duration), index(i, Duration), {Qt::DisplayRole, SortRole});
}

std::optional<double> RunsTableModel::duration(const neurite::RunRow& r) const
{
    if (r.startedAt <= 0)
        return std::nullopt;
    const double end = r.status == "running" || r.endedAt <= 0 ? QDateTime::currentMSecsSinceEpoch() / 1000.0 : r.endedAt;
    return std::max(0.0, end - r.startedAt);
}

const QStringList& RunsTableModel::statuses()
{
    static const QStringList all = {QStringLiteral("running"), QStringLiteral("queued"), QStringLiteral("completed"),
                                    QStringLiteral("stopped"), QStringLiteral("diverged"), QStringLiteral("failed"),
                                    QStringLiteral("interrupted")};
    return all;
}

QColor RunsTableModel::statusColor(const QString& status)
{
    static const QHash<QString, QColor> colors = {
        {QStringLiteral("running"), QColor(0x2f, 0x80, 0xed)},   {QStringLiteral("queued"), QColor(0x9e, 0x9e, 0x9e)},
        {QStringLiteral("completed"), QColor(0x27, 0xae, 0x60)}, {QStringLiteral("stopped"), QColor(0xf2, 0xa9, 0x00)},
        {QStringLiteral("diverged"), QColor(0x9b, 0x51, 0xe0)},  {QStringLiteral("failed"), QColor(0xeb, 0x57, 0x57)},
        {QStringLiteral("interrupted"), QColor(0xe0, 0x7b, 0x39)}};
    return colors.value(status, QColor(0x60, 0x60, 0x60));
}

QIcon RunsTableModel::statusIcon(const QString& status)
{
    static QHash<QString, QIcon> cache;
    if (const auto it = cache.constFind(status); it != cache.constEnd())
        return *it;
    QPixmap dot(16, 16);
    dot.fill(Qt::transparent);
    QPainter p(&dot);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(statusColor(status));
    p.drawEllipse(QRectF(3, 3, 10, 10));
    p.end();
    return cache[status] = QIcon(dot);
}

int RunsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int RunsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

RunsTableModel::SortKey RunsTableModel::sortKey(int row, int column) const
{
    const Row& w = rows_[std::size_t(row)];
    const neurite::RunRow& r = w.run;
    const auto number = [](const auto& v) {
        return v ? SortKey{SortKey::Number, double(*v), {}} : SortKey{};
    };
    const auto text = [](const QString& s) { return s.isEmpty() ? SortKey{} : SortKey{SortKey::Text, 0, s}; };
    switch (column) {
    case Id: return {SortKey::Number, double(r.id), {}};
    case Name: return text(w.name);
    case Status: return text(w.status);
    case Model: return text(w.model);
    case Dataset: return text(w.dataset);
    case Created: return {SortKey::Number, r.createdAt, {}};
    case Duration: return number(duration(r));
    case Epochs: return number(r.epochs);
    case Batch: return number(r.batch);
    case Optimizer: return text(w.optimizer);
    case Lr: return number(r.lr);
    case BestValAccuracy: return number(r.bestValAccuracy);
    case BestValLoss: return number(r.bestValLoss);
    case TestAccuracy: return number(r.testAccuracy);
    case Tags: return text(w.tags);
    }
    return {};
}

bool RunsTableModel::matches(int row, const QStringList& words) const
{
    const QString& haystack = rows_[std::size_t(row)].haystack;
    return std::all_of(words.begin(), words.end(), [&](const QString& w) { return haystack.contains(w); });
}

QString RunsTableModel::text(const Row& w, int column) const
{
    const neurite::RunRow& r = w.run;
    const QString none = QStringLiteral("-");
    switch (column) {
    case Id: return QString::number(r.id);
    case Name: return w.name;
    case Status: return w.status;
    case Model: return w.model.isEmpty() ? none : w.model;
    case Dataset: return w.dataset;
    case Created:
        return QDateTime::fromMSecsSinceEpoch(qint64(r.createdAt * 1000)).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case Duration: {
        const auto d = duration(r);
        return d ? durationText(*d) : none;
    }
    case Epochs: return r.epochs ? QString::number(*r.epochs) : none;
    case Batch: return r.batch ? QString::number(*r.batch) : none;
    case Optimizer: return w.optimizer.isEmpty() ? none : w.optimizer;
    case Lr: return r.lr ? QString::number(*r.lr, 'g', 6) : none;
    case BestValAccuracy: return optionalNumber(r.bestValAccuracy, 4);
    case BestValLoss: return optionalNumber(r.bestValLoss, 4);
    case TestAccuracy: return optionalNumber(r.testAccuracy, 4);
    case Tags: return w.tags;
    }
    return {};
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(rows_.size()))
        return {};
    const Row& w = rows_[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole: return text(w, column);
    case Qt::DecorationRole:
        if (column == Status)
            return statusIcon(w.status);
        if (column == Id && colourOf_)
            return colourOf_(w.run.id);  // a QColor: views draw it as a swatch
        return {};
    case Qt::TextAlignmentRole: {
        const bool numeric = column == Id || column == Duration || column == Epochs || column == Batch || column == Lr ||
                             column == BestValAccuracy || column == BestValLoss || column == TestAccuracy;
        return QVariant::fromValue(Qt::AlignVCenter | (numeric ? Qt::AlignRight : Qt::AlignLeft));
    }
    case Qt::ToolTipRole:
        if (column == Name && !w.run.notes.empty())
            return QString::fromStdString(w.run.notes);
        if (column == Status && !w.run.message.empty())
            return QString::fromStdString(w.run.message);
        return {};
    case IdRole: return qint64(w.run.id);
    case SortRole: {
        const SortKey k = sortKey(index.row(), column);
        return k.kind == SortKey::Number ? QVariant(k.number) : k.kind == SortKey::Text ? QVariant(k.text) : QVariant();
    }
    }
    return {};
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char* const titles[ColumnCount] = {
        QT_TR_NOOP("ID"), QT_TR_NOOP("Name"), QT_TR_NOOP("Status"), QT_TR_NOOP("Model"), QT_TR_NOOP("Data set"),
        QT_TR_NOOP("Created"), QT_TR_NOOP("Duration"), QT_TR_NOOP("Epochs"), QT_TR_NOOP("Batch"),
        QT_TR_NOOP("Optimizer"), QT_TR_NOOP("LR"), QT_TR_NOOP("Best val acc"), QT_TR_NOOP("Best val loss"),
        QT_TR_NOOP("Test acc"), QT_TR_NOOP("Tags")};
    static const char* const tips[ColumnCount] = {
        QT_TR_NOOP("The run's number in the workspace"), nullptr, QT_TR_NOOP("Where the run is; hover a status for why it ended"),
        QT_TR_NOOP("The model's name"), nullptr, QT_TR_NOOP("When the run was created (local time)"),
        QT_TR_NOOP("From start to end, or until now for a running run"), QT_TR_NOOP("Epochs asked for"),
        QT_TR_NOOP("Batch size"), nullptr, QT_TR_NOOP("Learning rate"),
        QT_TR_NOOP("The highest validation accuracy of any epoch"), QT_TR_NOOP("The lowest validation loss of any epoch"),
        QT_TR_NOOP("The accuracy on the test set, after training"), nullptr};
    if (role == Qt::DisplayRole)
        return tr(titles[section]);
    if (role == Qt::ToolTipRole && tips[section])
        return tr(tips[section]);
    return {};
}

void RunsTableModel::setColourOf(std::function<QColor(qint64)> colourOf)
{
    colourOf_ = std::move(colourOf);
    coloursChanged();
}

void RunsTableModel::coloursChanged()
{
    if (!rows_.empty())
        emit dataChanged(index(0, Id), index(int(rows_.size()) - 1, Id), {Qt::DecorationRole});
}

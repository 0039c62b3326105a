#include "app/studio/compare/RunLegend.h"

#include "app/studio/compare/Comparison.h"

#include <QHeaderView>
#include <QPainter>
#include <QPixmap>

RunLegend::RunLegend(QWidget* parent) : QTreeWidget(parent)
{
    setColumnCount(ColumnCount);
    setHeaderLabels({QString(), tr("Run"), tr("Status")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::NoSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(Swatch, QHeaderView::Fixed);
    header()->setSectionResizeMode(Run, QHeaderView::Stretch);
    header()->setSectionResizeMode(Status, QHeaderView::ResizeToContents);
    setColumnWidth(Swatch, 28);
    connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item, int column) {
        if (column == Swatch)
            emit swatchClicked(item->data(Swatch, Qt::UserRole).toLongLong());
    });
}

QIcon RunLegend::swatch(const QColor& colour, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setPen(QColor(0, 0, 0, 90));
    painter.setBrush(colour);
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1));
    return QIcon(pixmap);
}

void RunLegend::setRuns(const std::vector<ComparedRun>& runs, const QHash<qint64, QColor>& colours)
{
    clear();
    for (const ComparedRun& run : runs) {
        auto* item = new QTreeWidgetItem(this);
        item->setIcon(Swatch, swatch(colours.value(run.id())));
        item->setData(Swatch, Qt::UserRole, run.id());
        item->setToolTip(Swatch, tr("Click to choose this run's colour"));
        item->setText(Run, run.label());
        item->setText(Status, QString::fromStdString(run.record.status));
        if (!run.problem.isEmpty())
            item->setToolTip(Run, run.problem);
    }
}

qint64 RunLegend::idAt(int row) const
{
    const QTreeWidgetItem* item = topLevelItem(row);
    return item ? item->data(Swatch, Qt::UserRole).toLongLong() : -1;
}

int RunLegend::rowOf(qint64 id) const
{
    for (int row = 0; row < topLevelItemCount(); ++row)
        if (idAt(row) == id)
            return row;
    return -1;
}

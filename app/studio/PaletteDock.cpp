#include "app/studio/PaletteDock.h"

#include "app/studio/LayerText.h"
#include "engine/graph/Catalogue.h"
#include "widgets/nodegraph/NodeGraphView.h"

#include <QApplication>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {

constexpr int kTypeRole = Qt::UserRole, kSummaryRole = Qt::UserRole + 1;

// Layer entries carry their type on drags.
class PaletteTree : public QTreeWidget {
public:
    using QTreeWidget::QTreeWidget;

protected:
    QStringList mimeTypes() const override { return {NodeGraphView::paletteMimeType()}; }
    QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override
    {
        if (items.isEmpty() || items.first()->data(0, kTypeRole).toString().isEmpty())
            return nullptr;
        return PaletteDock::mimeDataFor(items.first()->data(0, kTypeRole).toString());
    }
};

// Two lines per layer: its name, and its one-line explanation in a quieter colour.
class EntryDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        QSize s = QStyledItemDelegate::sizeHint(option, index);
        if (!index.data(kSummaryRole).toString().isEmpty())
            s.setHeight(option.fontMetrics.height() * 2 + 8);
        return s;
    }
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const QString summary = index.data(kSummaryRole).toString();
        if (summary.isEmpty())
            return QStyledItemDelegate::paint(p, option, index);
        QStyleOptionViewItem o = option;
        initStyleOption(&o, index);
        o.text.clear();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &o, p);
        const QRect r = option.rect.adjusted(4, 3, -4, -3);
        const bool selected = option.state & QStyle::State_Selected;
        QFont bold = option.font;
        bold.setBold(true);
        p->setFont(bold);
        p->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        p->drawText(r, Qt::AlignTop | Qt::AlignLeft, index.data(Qt::DisplayRole).toString());
        p->setFont(option.font);
        p->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::PlaceholderText));
        p->drawText(r, Qt::AlignBottom | Qt::AlignLeft, option.fontMetrics.elidedText(summary, Qt::ElideRight, r.width()));
    }
};

} // namespace

QMimeData* PaletteDock::mimeDataFor(const QString& layerType)
{
    auto* mime = new QMimeData;
    mime->setData(NodeGraphView::paletteMimeType(), layerType.toUtf8());
    mime->setText(layerType);
    return mime;
}

PaletteDock::PaletteDock(QWidget* parent) : QDockWidget(tr("Layers"), parent)
{
    setObjectName(QStringLiteral("PaletteDock"));
    auto* body = new QWidget;
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(4, 4, 4, 4);
    search_ = new QLineEdit;
    search_->setPlaceholderText(tr("Search layers…"));
    search_->setClearButtonEnabled(true);
    tree_ = new PaletteTree;
    tree_->setHeaderHidden(true);
    tree_->setDragEnabled(true);
    tree_->setDragDropMode(QAbstractItemView::DragOnly);
    tree_->setItemDelegate(new EntryDelegate(tree_));
    tree_->setIndentation(10);
    layout->addWidget(search_);
    layout->addWidget(tree_);
    setWidget(body);

    QMap<QString, QTreeWidgetItem*> categories;
    for (const neurite::LayerSpec& spec : neurite::Catalogue::instance().all()) {
        const QString category = QString::fromStdString(spec.category);
        QTreeWidgetItem*& group = categories[category];
        if (!group) {
            group = new QTreeWidgetItem(tree_, {category});
            group->setFlags(Qt::ItemIsEnabled);
            QFont f = group->font(0);
            f.setBold(true);
            group->setFont(0, f);
            group->setForeground(0, QBrush(categoryColour(spec.category)));
        }
        auto* entry = new QTreeWidgetItem(group, {QString::fromStdString(spec.type)});
        entry->setData(0, kTypeRole, QString::fromStdString(spec.type));
        entry->setData(0, kSummaryRole, firstSentence(spec.summary));
        entry->setToolTip(0, QString::fromStdString(spec.summary + "\n\n" + spec.maths));
        entry->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
    tree_->expandAll();
    connect(search_, &QLineEdit::textChanged, this, &PaletteDock::filter);
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        if (const QString type = item->data(0, kTypeRole).toString(); !type.isEmpty())
            emit layerActivated(type);
    });
}

void PaletteDock::filter(const QString& text)
{
    for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = tree_->topLevelItem(g);
        int shown = 0;
        for (int i = 0; i < group->childCount(); ++i) {
            QTreeWidgetItem* entry = group->child(i);
            const bool match = text.isEmpty() || entry->text(0).contains(text, Qt::CaseInsensitive) ||
                               entry->data(0, kSummaryRole).toString().contains(text, Qt::CaseInsensitive) ||
                               group->text(0).contains(text, Qt::CaseInsensitive);
            entry->setHidden(!match);
            shown += match;
        }
        group->setHidden(shown == 0);
    }
}

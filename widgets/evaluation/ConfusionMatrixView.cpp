#include "widgets/evaluation/ConfusionMatrixView.h"

#include <QEvent>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace {

constexpr int kCell = 48;          // the cell side sizeHint asks for
constexpr int kMinCell = 16;       // below this, counts are left out
constexpr int kMaxLabel = 150;     // class names longer than this are elided
constexpr int kGap = 6;            // between names and the grid

const QColor kRight(31, 119, 180);  // the diagonal: predicted as it is
const QColor kWrong(230, 85, 13);   // off the diagonal: confused

QColor mix(const QColor& from, const QColor& to, double t)
{
    return QColor::fromRgbF(float(from.redF() + (to.redF() - from.redF()) * t),
                            float(from.greenF() + (to.greenF() - from.greenF()) * t),
                            float(from.blueF() + (to.blueF() - from.blueF()) * t));
}

// "980", "12.3k": a count that fits in `width` pixels.
QString countText(qint64 n, const QFontMetrics& fm, int width)
{
    const QString full = QLocale().toString(n);
    if (fm.horizontalAdvance(full) <= width)
        return full;
    if (n >= 10000)
        return QString::number(qRound(double(n) / 1000)) + QStringLiteral("k");
    return QString::number(double(n) / 1000, 'f', 1) + QStringLiteral("k");
}

} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setAccessibleName(tr("Confusion matrix"));
}

void ConfusionMatrixView::setMatrix(const QStringList& classNames, const QVector<qint64>& counts)
{
    const qsizetype n = classNames.size();
    if (counts.size() != n * n) {
        clear();
        return;
    }
    names_ = classNames;
    counts_ = counts;
    rowTotals_.fill(0, n);
    for (qsizetype t = 0; t < n; ++t)
        for (qsizetype p = 0; p < n; ++p)
            rowTotals_[t] += counts_[t * n + p];
    current_ = {-1, -1};
    updateGeometry();
    update();
}

void ConfusionMatrixView::clear()
{
    names_.clear();
    counts_.clear();
    rowTotals_.clear();
    current_ = {-1, -1};
    updateGeometry();
    update();
}

qint64 ConfusionMatrixView::count(int trueClass, int predicted) const
{
    const int n = classes();
    if (trueClass < 0 || predicted < 0 || trueClass >= n || predicted >= n)
        return 0;
    return counts_[trueClass * n + predicted];
}

double ConfusionMatrixView::rowShare(int trueClass, int predicted) const
{
    const qint64 total = trueClass >= 0 && trueClass < classes() ? rowTotals_[trueClass] : 0;
    return total ? double(count(trueClass, predicted)) / double(total) : 0.0;
}

void ConfusionMatrixView::setCurrentCell(int trueClass, int predicted)
{
    const int n = classes();
    const QPoint cell = trueClass >= 0 && predicted >= 0 && trueClass < n && predicted < n
                            ? QPoint(predicted, trueClass) : QPoint(-1, -1);
    if (cell == current_)
        return;
    current_ = cell;
    update();
    emit currentCellChanged(current_.y(), current_.x());
}

// ---- Geometry ---------------------------------------------------------------------------------
// From the top left: the axis titles ("Predicted" above, "True" written upwards on the left), the
// class names, then the square grid.

// Measured in bold: the current row's and column's names are drawn bold.
int ConfusionMatrixView::labelWidth() const
{
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics fm(bold);
    int widest = 0;
    for (const QString& name : names_)
        widest = std::max(widest, fm.horizontalAdvance(name) + 2);
    return std::min(widest, kMaxLabel);
}

ConfusionMatrixView::Layout ConfusionMatrixView::layout() const
{
    const QFontMetrics fm(font());
    const int title = fm.height() + kGap;
    Layout l;
    l.left = title + labelWidth() + kGap;
    l.top = title + labelWidth() + kGap;
    const int n = std::max(1, classes());
    l.cell = std::max(kMinCell / 2, std::min((width() - l.left - kGap) / n, (height() - l.top - kGap) / n));
    l.left += std::max(0, (width() - l.left - kGap - n * l.cell) / 2);   // centred across
    return l;
}

QRect ConfusionMatrixView::cellRect(int trueClass, int predicted) const
{
    const Layout l = layout();
    return {l.left + predicted * l.cell, l.top + trueClass * l.cell, l.cell, l.cell};
}

QPoint ConfusionMatrixView::cellAt(const QPoint& position) const
{
    const Layout l = layout();
    const int n = classes();
    if (n == 0 || position.x() < l.left || position.y() < l.top)
        return {-1, -1};
    const int p = (position.x() - l.left) / l.cell, t = (position.y() - l.top) / l.cell;
    return p < n && t < n ? QPoint(p, t) : QPoint(-1, -1);
}

QSize ConfusionMatrixView::sizeHint() const
{
    const QFontMetrics fm(font());
    const int n = std::max(classes(), 10);
    const int margin = fm.height() + 3 * kGap + std::max(labelWidth(), 4 * fm.averageCharWidth());
    return {margin + n * kCell, margin + n * kCell};
}

QSize ConfusionMatrixView::minimumSizeHint() const
{
    const QFontMetrics fm(font());
    const int margin = fm.height() + 3 * kGap + labelWidth();
    return {margin + std::max(classes(), 2) * kMinCell, margin + std::max(classes(), 2) * kMinCell};
}

// ---- Painting ---------------------------------------------------------------------------------

void ConfusionMatrixView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const int n = classes();
    if (n == 0)
        return;
    const Layout l = layout();
    const QFontMetrics fm(font());
    const QColor base = palette().color(QPalette::Base), text = palette().color(QPalette::Text);
    const int grid = n * l.cell;

    // Axis titles, centred on the grid, beyond the class names.
    const int names = labelWidth();
    painter.setPen(palette().color(QPalette::WindowText));
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(QRect(l.left, 0, grid, fm.height()), Qt::AlignCenter, tr("Predicted class"));
    painter.save();
    painter.translate(l.left - 2 * kGap - names - fm.height(), l.top + grid);
    painter.rotate(-90);
    painter.drawText(QRect(0, 0, grid, fm.height()), Qt::AlignCenter, tr("True class"));
    painter.restore();

    // Class names: rows right-aligned at the grid's left edge, columns written upwards.
    for (int k = 0; k < n; ++k) {
        painter.setFont(k == current_.y() ? bold : font());
        const QString name = fm.elidedText(names_[k], Qt::ElideRight, names);
        painter.drawText(QRect(l.left - kGap - names, l.top + k * l.cell, names, l.cell),
                         Qt::AlignRight | Qt::AlignVCenter, name);
        painter.setFont(k == current_.x() ? bold : font());
        painter.save();
        painter.translate(l.left + k * l.cell, l.top - kGap);
        painter.rotate(-90);
        painter.drawText(QRect(0, 0, names, l.cell), Qt::AlignLeft | Qt::AlignVCenter, name);
        painter.restore();
    }

    // Cells: the colour says the row share (its square root, so that a 5% confusion is seen).
    QFont small = font();
    if (l.cell < 30)
        small.setPointSizeF(small.pointSizeF() * 0.8);
    painter.setFont(small);
    const QFontMetrics smallMetrics(small);
    for (int t = 0; t < n; ++t)
        for (int p = 0; p < n; ++p) {
            const QRect cell = cellRect(t, p);
            const double share = rowShare(t, p);
            const QColor fill = mix(base, t == p ? kRight : kWrong, std::sqrt(share));
            painter.fillRect(cell, fill);
            if (l.cell < kMinCell)
                continue;
            const qint64 c = count(t, p);
            const bool dark = fill.lightnessF() < 0.55;
            painter.setPen(c == 0 ? palette().color(QPalette::Disabled, QPalette::Text) : dark ? QColor(Qt::white) : text);
            painter.drawText(cell, Qt::AlignCenter, countText(c, smallMetrics, l.cell - 4));
        }

    // Grid lines, then the current cell on top.
    painter.setPen(QPen(palette().color(QPalette::Mid), 1));
    for (int k = 0; k <= n; ++k) {
        painter.drawLine(l.left + k * l.cell, l.top, l.left + k * l.cell, l.top + grid);
        painter.drawLine(l.left, l.top + k * l.cell, l.left + grid, l.top + k * l.cell);
    }
    if (current_.x() >= 0) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), hasFocus() ? 3 : 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(cellRect(current_.y(), current_.x()).adjusted(1, 1, -1, -1));
    }
}

// ---- Interaction ------------------------------------------------------------------------------

QString ConfusionMatrixView::describe(int t, int p) const
{
    const QLocale locale;
    const QString share = locale.toString(100.0 * rowShare(t, p), 'f', 1);
    const QString head = t == p ? tr("%1, predicted right").arg(names_[t])
                                : tr("True %1, predicted %2").arg(names_[t], names_[p]);
    return tr("%1\n%2 of %3 %4 samples (%5%)")
        .arg(head, locale.toString(count(t, p)), locale.toString(rowTotals_[t]), names_[t], share);
}

bool ConfusionMatrixView::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const QPoint cell = cellAt(help->pos());
        if (cell.x() < 0) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), describe(cell.y(), cell.x()), this,
                               cellRect(cell.y(), cell.x()));
        }
        return true;
    }
    return QWidget::event(event);
}

void ConfusionMatrixView::mousePressEvent(QMouseEvent* event)
{
    const QPoint cell = cellAt(event->position().toPoint());
    if (event->button() != Qt::LeftButton || cell.x() < 0) {
        QWidget::mousePressEvent(event);
        return;
    }
    setFocus(Qt::MouseFocusReason);
    setCurrentCell(cell.y(), cell.x());
    emit cellClicked(cell.y(), cell.x());
}

void ConfusionMatrixView::keyPressEvent(QKeyEvent* event)
{
    const int n = classes();
    if (n == 0) {
        QWidget::keyPressEvent(event);
        return;
    }
    int t = std::max(current_.y(), 0), p = std::max(current_.x(), 0);
    const bool none = current_.x() < 0;
    switch (event->key()) {
    case Qt::Key_Left: p = none ? 0 : std::max(p - 1, 0); break;
    case Qt::Key_Right: p = none ? 0 : std::min(p + 1, n - 1); break;
    case Qt::Key_Up: t = none ? 0 : std::max(t - 1, 0); break;
    case Qt::Key_Down: t = none ? 0 : std::min(t + 1, n - 1); break;
    case Qt::Key_Home: p = 0; break;
    case Qt::Key_End: p = n - 1; break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        if (none)
            setCurrentCell(0, 0);
        emit cellClicked(current_.y(), current_.x());
        return;
    default: QWidget::keyPressEvent(event); return;
    }
    setCurrentCell(t, p);
}

void ConfusionMatrixView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange || event->type() == QEvent::PaletteChange)
        updateGeometry();
    QWidget::changeEvent(event);
}

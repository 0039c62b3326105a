#include "app/studio/predict/ProbabilityBars.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <numeric>

ProbabilityBars::ProbabilityBars(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setToolTip(tr("Click a class to see which pixels sway it"));
}

void ProbabilityBars::setClassNames(const QStringList& names)
{
    names_ = names;
    clear();
    updateGeometry();
}

void ProbabilityBars::setProbabilities(const QVector<float>& probabilities, int predicted, int explained)
{
    probabilities_ = probabilities;
    predicted_ = predicted;
    explained_ = explained;
    update();
}

void ProbabilityBars::clear()
{
    probabilities_.clear();
    predicted_ = explained_ = -1;
    update();
}

QVector<int> ProbabilityBars::shownClasses() const
{
    QVector<int> order(names_.size());
    std::iota(order.begin(), order.end(), 0);
    if (order.size() <= kAllShown)
        return order;
    if (probabilities_.size() == names_.size())
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return probabilities_[a] > probabilities_[b]; });
    order.resize(kAllShown);
    return order;
}

int ProbabilityBars::rowHeight() const { return fontMetrics().height() + 8; }

int ProbabilityBars::nameWidth() const
{
    int widest = 0;
    for (const QString& n : names_)
        widest = std::max(widest, fontMetrics().horizontalAdvance(n));
    return std::min(widest, width() / 3) + 12;
}

QSize ProbabilityBars::sizeHint() const { return {320, int(shownClasses().size()) * rowHeight() + 4}; }

QSize ProbabilityBars::minimumSizeHint() const { return {200, int(shownClasses().size()) * rowHeight() + 4}; }

int ProbabilityBars::classAt(const QPoint& at) const
{
    const QVector<int> shown = shownClasses();
    const int row = at.y() / rowHeight();
    return at.y() >= 0 && row < shown.size() ? shown[row] : -1;
}

void ProbabilityBars::mousePressEvent(QMouseEvent* event)
{
    const int cls = classAt(event->position().toPoint());
    if (cls >= 0)
        emit classClicked(cls);
}

void ProbabilityBars::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QVector<int> shown = shownClasses();
    const int rowH = rowHeight(), nameW = nameWidth();
    const int percentW = fontMetrics().horizontalAdvance(QStringLiteral("100.0 %")) + 10;
    const int barLeft = nameW, barWidth = std::max(10, width() - nameW - percentW);
    const QColor track = palette().color(QPalette::Midlight), accent = palette().color(QPalette::Highlight);
    QColor other = palette().color(QPalette::WindowText);
    other.setAlphaF(0.45f);
    for (int r = 0; r < shown.size(); ++r) {
        const int cls = shown[r];
        const QRect row(0, r * rowH, width(), rowH);
        const bool top = cls == predicted_;
        QFont font = this->font();
        font.setBold(top);
        p.setFont(font);
        p.setPen(palette().color(QPalette::WindowText));
        const QString name = fontMetrics().elidedText(names_[cls], Qt::ElideRight, nameW - 10);
        p.drawText(QRect(0, row.top(), nameW - 10, rowH), Qt::AlignRight | Qt::AlignVCenter, name);
        const QRectF bar(barLeft, row.top() + 4, barWidth, rowH - 8);
        p.setPen(Qt::NoPen);
        p.setBrush(track);
        p.drawRoundedRect(bar, 3, 3);
        if (cls < probabilities_.size()) {
            const float prob = probabilities_[cls];
            p.setBrush(top ? accent : other);
            p.drawRoundedRect(QRectF(bar.left(), bar.top(), std::max(2.0, bar.width() * prob), bar.height()), 3, 3);
            p.setPen(palette().color(QPalette::WindowText));
            p.drawText(QRect(int(bar.right()) + 6, row.top(), percentW - 6, rowH), Qt::AlignLeft | Qt::AlignVCenter,
                       QString::number(100.0 * prob, 'f', 1) + QStringLiteral(" %"));
        }
        if (cls == explained_ && explained_ != predicted_) {   // a class chosen for the saliency
            p.setPen(QPen(accent, 1.5, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(bar.adjusted(-2, -2, 2, 2), 4, 4);
        }
    }
}

#include "widgets/drawing/SaliencyView.h"

#include "widgets/drawing/SaliencyOverlay.h"

#include <QPainter>

#include <algorithm>

SaliencyView::SaliencyView(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SaliencyView::setImage(const QImage& image)
{
    image_ = image;
    compose();
}

void SaliencyView::setHeat(const QVector<float>& heat)
{
    heat_ = heat;
    compose();
}

void SaliencyView::setPlaceholder(const QString& text)
{
    placeholder_ = text;
    update();
}

void SaliencyView::clear()
{
    image_ = {};
    heat_.clear();
    compose();
}

void SaliencyView::compose()
{
    shown_ = heat_.isEmpty() || image_.isNull() ? image_ : saliencyOverlay(image_, heat_);
    update();
}

void SaliencyView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRect area = rect();
    const int side = std::max(0, std::min(area.width(), area.height()));
    const QRect square(area.left() + (area.width() - side) / 2, area.top() + (area.height() - side) / 2, side, side);
    if (shown_.isNull()) {
        p.setPen(palette().color(QPalette::Mid));
        p.drawRect(square.adjusted(0, 0, -1, -1));
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(square.adjusted(6, 6, -6, -6), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    } else {
        // Enlarged: nearest neighbour, each of the model's pixels a visible square; reduced (a
        // photo): smoothed, not aliased. A non-square image is fitted inside the square.
        const QSize fitted = shown_.size().scaled(square.size(), Qt::KeepAspectRatio);
        const QRect target(square.left() + (side - fitted.width()) / 2, square.top() + (side - fitted.height()) / 2,
                           fitted.width(), fitted.height());
        p.setRenderHint(QPainter::SmoothPixmapTransform, fitted.width() < shown_.width());
        p.drawImage(target, shown_);
        p.setPen(palette().color(QPalette::Mid));
        p.drawRect(target.adjusted(0, 0, -1, -1));
    }
}

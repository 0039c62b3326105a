#include "widgets/drawing/DrawPad.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

DrawPad::DrawPad(QWidget* parent, int resolution)
    : QWidget(parent), image_(resolution, resolution, QImage::Format_Grayscale8)
{
    image_.fill(Qt::black);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setCursor(Qt::CrossCursor);
    setToolTip(tr("Draw with the left button; the right button clears"));
}

void DrawPad::clear()
{
    image_.fill(Qt::black);
    empty_ = true;
    drawing_ = false;
    update();
    emit cleared();
}

QRectF DrawPad::square() const
{
    const double side = std::min(width(), height());
    return {(width() - side) / 2, (height() - side) / 2, side, side};
}

QPointF DrawPad::toImage(const QPointF& widget) const
{
    const QRectF s = square();
    return {(widget.x() - s.left()) * image_.width() / s.width(), (widget.y() - s.top()) * image_.height() / s.height()};
}

// A soft brush: a wide faint line under a narrower full one, both antialiased, so that the stroke's
// edge falls off over a few pixels as a pen's does after MNIST's downsampling.
void DrawPad::strokeTo(const QPointF& at)
{
    QPainter p(&image_);
    p.setRenderHint(QPainter::Antialiasing);
    const double width = brushFraction_ * image_.width();
    p.setPen(QPen(QColor(255, 255, 255, 90), width * 1.35, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawLine(last_, at);
    p.setPen(QPen(Qt::white, width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawLine(last_, at);
    last_ = at;
    empty_ = false;
    update();
}

void DrawPad::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::RightButton) {
        clear();
        return;
    }
    if (event->button() != Qt::LeftButton)
        return;
    drawing_ = true;
    last_ = toImage(event->position());
    strokeTo(last_);   // a click leaves a dot
    emit changing(image_);
}

void DrawPad::mouseMoveEvent(QMouseEvent* event)
{
    if (!drawing_)
        return;
    strokeTo(toImage(event->position()));
    emit changing(image_);
}

void DrawPad::mouseReleaseEvent(QMouseEvent* event)
{
    if (!drawing_ || event->button() != Qt::LeftButton)
        return;
    drawing_ = false;
    emit drawn(image_);
}

void DrawPad::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QRectF s = square();
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(s, image_);
    p.setPen(QPen(palette().color(QPalette::Mid), 1));
    p.drawRect(s.adjusted(0, 0, -1, -1));
    if (empty_) {
        p.setPen(QColor(150, 150, 150));
        p.drawText(s, Qt::AlignCenter | Qt::TextWordWrap, tr("Draw here\n(right-click clears)"));
    }
}

#include "app/studio/training/ProgressLine.h"

#include <QEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

ProgressLine::ProgressLine(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize ProgressLine::sizeHint() const
{
    return {200, kBarHeight + kGap + kTextLines * fontMetrics().lineSpacing()};
}

QSize ProgressLine::minimumSizeHint() const
{
    return {40, sizeHint().height()};
}

int ProgressLine::barEnd(double done) const
{
    return int(std::lround(std::clamp(done, 0.0, 1.0) * width()));
}

QRect ProgressLine::textRect() const
{
    return {0, kBarHeight + kGap, width(), height() - kBarHeight - kGap};
}

void ProgressLine::setFraction(double done)
{
    done = std::isfinite(done) ? std::clamp(done, 0.0, 1.0) : 0.0;
    const int before = barEnd(fraction_), after = barEnd(done);
    fraction_ = done;
    if (before != after)
        update(std::min(before, after), 0, std::abs(after - before), kBarHeight);
}

void ProgressLine::setText(const QString& text)
{
    if (text == text_)
        return;
    text_ = text;
    setToolTip(text);
    update(textRect());
}

void ProgressLine::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange)
        updateGeometry();   // the one change that moves its height
    QWidget::changeEvent(event);
}

void ProgressLine::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QPalette& pal = palette();
    const int end = barEnd(fraction_);
    p.fillRect(QRect(0, 0, end, kBarHeight), pal.color(QPalette::Highlight));
    p.fillRect(QRect(end, 0, width() - end, kBarHeight), pal.color(QPalette::Midlight));
    p.setPen(pal.color(QPalette::WindowText));
    const QRect r = textRect();
    p.drawText(r, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, text_);   // a third line would be clipped
}

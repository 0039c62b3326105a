#include "app/studio/training/SchedulePlot.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

SchedulePlot::SchedulePlot(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(60);
}

void SchedulePlot::setSchedule(const neurite::ScheduleConfig& config, double lr, std::int64_t stepsPerEpoch, int epochs)
{
    values_.clear();
    error_.clear();
    const std::int64_t total = std::max<std::int64_t>(1, stepsPerEpoch * std::max(1, epochs));
    try {
        const neurite::Schedule schedule(config, lr, std::max<std::int64_t>(1, stepsPerEpoch), total);
        constexpr int kSamples = 200;
        for (int i = 0; i < kSamples; ++i)
            values_.push_back(schedule.lr(total * i / kSamples));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
    }
    setToolTip(values_.empty() ? error_
                               : tr("learning rate from %1 to %2 over %3 steps")
                                     .arg(values_.front(), 0, 'g', 3)
                                     .arg(values_.back(), 0, 'g', 3)
                                     .arg(total));
    update();
}

void SchedulePlot::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(4, 4, -4, -14);
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(area);
    if (values_.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, error_);
        return;
    }
    const double top = *std::max_element(values_.begin(), values_.end());
    QPainterPath path;
    for (std::size_t i = 0; i < values_.size(); ++i) {
        const QPointF at(area.left() + area.width() * double(i) / double(values_.size() - 1),
                         area.bottom() - (top > 0 ? values_[i] / top : 0) * area.height());
        i == 0 ? path.moveTo(at) : path.lineTo(at);
    }
    p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
    p.drawPath(path);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    p.setFont(small);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRectF(area.left(), area.bottom(), area.width(), 14), Qt::AlignLeft | Qt::AlignVCenter,
               tr("lr %1 at most").arg(top, 0, 'g', 3));
    p.drawText(QRectF(area.left(), area.bottom(), area.width(), 14), Qt::AlignRight | Qt::AlignVCenter, tr("steps →"));
}

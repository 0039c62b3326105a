#include "widgets/evaluation/ImageGallery.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>

namespace {

constexpr int kPad = 6;        // inside a tile, around the image and caption
constexpr int kSpacing = 8;    // between tiles and around the grid
constexpr int kMaxCaptionChars = 32;   // a tile widens for its captions up to this many characters

} // namespace

ImageGallery::ImageGallery(QWidget* parent) : QAbstractScrollArea(parent)
{
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Image gallery"));
}

void ImageGallery::setItems(QVector<Item> items, ImageFunction image)
{
    items_ = std::move(items);
    image_ = std::move(image);
    measureCaptions();
    thumbnails_.clear();
    hovered_ = -1;
    verticalScrollBar()->setValue(0);
    updateScrollBars();
    viewport()->update();
}

void ImageGallery::clear()
{
    setItems({}, {});
}

void ImageGallery::setThumbnailSide(int pixels)
{
    side_ = std::max(16, pixels);
    thumbnails_.clear();
    updateScrollBars();
    viewport()->update();
}

void ImageGallery::setPlaceholderText(const QString& text)
{
    placeholder_ = text;
    viewport()->update();
}

// ---- Geometry ---------------------------------------------------------------------------------

void ImageGallery::measureCaptions()
{
    lines_ = 1;
    captionWidth_ = 0;
    const QFontMetrics fm(font());
    for (const Item& item : std::as_const(items_)) {
        const QStringList captionLines = item.caption.split(QLatin1Char('\n'));
        lines_ = std::max(lines_, int(captionLines.size()));
        for (const QString& line : captionLines)
            captionWidth_ = std::max(captionWidth_, fm.horizontalAdvance(line));
    }
}

QSize ImageGallery::tileSize() const
{
    const QFontMetrics fm(font());
    const int caption = std::min(captionWidth_ + 2, kMaxCaptionChars * fm.averageCharWidth());
    const int width = std::max(side_, caption) + 2 * kPad;
    return {width, kPad + side_ + kPad / 2 + lines_ * fm.height() + kPad};
}

int ImageGallery::columns() const
{
    return std::max(1, (viewport()->width() - kSpacing) / (tileSize().width() + kSpacing));
}

QRect ImageGallery::itemRect(int i) const
{
    const QSize tile = tileSize();
    const int c = columns(), row = i / c, column = i % c;
    return {kSpacing + column * (tile.width() + kSpacing),
            kSpacing + row * (tile.height() + kSpacing) - verticalScrollBar()->value(), tile.width(), tile.height()};
}

int ImageGallery::itemAt(const QPoint& position) const
{
    const QSize tile = tileSize();
    const int x = position.x() - kSpacing, y = position.y() + verticalScrollBar()->value() - kSpacing;
    if (x < 0 || y < 0)
        return -1;
    const int column = x / (tile.width() + kSpacing), row = y / (tile.height() + kSpacing);
    if (column >= columns() || x % (tile.width() + kSpacing) >= tile.width() ||
        y % (tile.height() + kSpacing) >= tile.height())
        return -1;
    const int i = row * columns() + column;
    return i < count() ? i : -1;
}

void ImageGallery::scrollToItem(int i)
{
    if (i < 0 || i >= count())
        return;
    const QRect r = itemRect(i);
    QScrollBar* bar = verticalScrollBar();
    if (r.top() < 0)
        bar->setValue(bar->value() + r.top() - kSpacing);
    else if (r.bottom() > viewport()->height())
        bar->setValue(bar->value() + r.bottom() - viewport()->height() + kSpacing);
}

void ImageGallery::updateScrollBars()
{
    const QSize tile = tileSize();
    const int rows = (count() + columns() - 1) / columns();
    const int content = kSpacing + rows * (tile.height() + kSpacing);
    QScrollBar* bar = verticalScrollBar();
    bar->setRange(0, std::max(0, content - viewport()->height()));
    bar->setPageStep(viewport()->height());
    bar->setSingleStep(tile.height() / 3);
}

QSize ImageGallery::sizeHint() const
{
    const QSize tile = tileSize();
    return {kSpacing + 5 * (tile.width() + kSpacing) + verticalScrollBar()->sizeHint().width(),
            kSpacing + 2 * (tile.height() + kSpacing)};
}

// ---- Painting ---------------------------------------------------------------------------------

// The item's image scaled to the thumbnail side: small images (28 × 28) by whole pixels, so that
// they stay sharp; made once and cached while it is painted.
QPixmap ImageGallery::thumbnail(int i)
{
    if (QPixmap* cached = thumbnails_.object(i))
        return *cached;
    const QImage image = image_ ? image_(i) : QImage();
    if (image.isNull())
        return {};
    const int longer = std::max(image.width(), image.height());
    const bool sharp = longer * 2 <= side_;
    const QImage scaled = image.scaled(side_, side_, Qt::KeepAspectRatio,
                                       sharp ? Qt::FastTransformation : Qt::SmoothTransformation);
    auto* pixmap = new QPixmap(QPixmap::fromImage(scaled));
    const QPixmap copy = *pixmap;
    thumbnails_.insert(i, pixmap);
    return copy;
}

void ImageGallery::paintEvent(QPaintEvent* event)
{
    QPainter painter(viewport());
    const QPalette& pal = palette();
    if (items_.isEmpty()) {
        painter.setPen(pal.color(QPalette::Disabled, QPalette::Text));
        painter.drawText(viewport()->rect().adjusted(kSpacing, kSpacing, -kSpacing, -kSpacing),
                         Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    const QSize tile = tileSize();
    const int c = columns(), rowHeight = tile.height() + kSpacing;
    const int scroll = verticalScrollBar()->value();
    const int firstRow = std::max(0, (event->rect().top() + scroll - kSpacing) / rowHeight);
    const int lastRow = (event->rect().bottom() + scroll) / rowHeight;
    const QFontMetrics fm(font());
    for (int i = firstRow * c; i < std::min(count(), (lastRow + 1) * c); ++i) {
        const QRect r = itemRect(i);
        const Item& item = items_[i];
        painter.setPen(Qt::NoPen);
        painter.setBrush(pal.color(i == hovered_ ? QPalette::AlternateBase : QPalette::Window));
        painter.drawRoundedRect(r, 4, 4);
        if (item.accent.isValid()) {
            painter.setPen(QPen(item.accent, 2));
            painter.setBrush(Qt::NoBrush);
            painter.drawRoundedRect(r.adjusted(1, 1, -1, -1), 4, 4);
        }

        const QRect imageArea(r.left() + (r.width() - side_) / 2, r.top() + kPad, side_, side_);
        const QPixmap pixmap = thumbnail(i);
        if (pixmap.isNull()) {
            painter.fillRect(imageArea, pal.color(QPalette::Mid));
            painter.setPen(pal.color(QPalette::Window));
            painter.drawText(imageArea, Qt::AlignCenter, tr("no image"));
        } else {
            const QPoint at = imageArea.topLeft() + QPoint((side_ - pixmap.width()) / 2, (side_ - pixmap.height()) / 2);
            painter.drawPixmap(at, pixmap);
        }

        const QStringList captionLines = item.caption.split(QLatin1Char('\n'));
        int y = imageArea.bottom() + 1 + kPad / 2;
        for (int line = 0; line < captionLines.size(); ++line) {
            const bool last = line == captionLines.size() - 1;
            painter.setPen(last && item.accent.isValid() ? item.accent : pal.color(QPalette::Text));
            const QRect lineRect(r.left() + kPad, y, r.width() - 2 * kPad, fm.height());
            painter.drawText(lineRect, Qt::AlignHCenter | Qt::AlignTop,
                             fm.elidedText(captionLines[line], Qt::ElideRight, lineRect.width()));
            y += fm.height();
        }
    }
}

// ---- Interaction ------------------------------------------------------------------------------

bool ImageGallery::viewportEvent(QEvent* event)
{
    switch (event->type()) {
    case QEvent::ToolTip: {
        const auto* help = static_cast<QHelpEvent*>(event);
        const int i = itemAt(help->pos());
        if (i < 0 || items_[i].toolTip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), items_[i].toolTip, viewport(), itemRect(i));
        return true;
    }
    case QEvent::MouseMove: {
        const int i = itemAt(static_cast<QMouseEvent*>(event)->position().toPoint());
        if (i != hovered_) {
            hovered_ = i;
            viewport()->update();
        }
        break;
    }
    case QEvent::Leave:
        hovered_ = -1;
        viewport()->update();
        break;
    case QEvent::MouseButtonPress: {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const int i = itemAt(mouse->position().toPoint());
        if (mouse->button() == Qt::LeftButton && i >= 0) {
            emit itemClicked(i);
            return true;
        }
        break;
    }
    default: break;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void ImageGallery::resizeEvent(QResizeEvent* event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollBars();
}

void ImageGallery::scrollContentsBy(int, int)
{
    viewport()->update();
}

void ImageGallery::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange) {
        measureCaptions();
        updateScrollBars();
        viewport()->update();
    }
    QAbstractScrollArea::changeEvent(event);
}

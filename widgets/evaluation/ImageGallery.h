#pragma once
// A scrolling grid of images, each with a caption of one or more lines ("true: Shirt",
// "predicted: T-shirt 0.93"), for thousands of items: only the tiles in view are painted, and their
// images are asked for on demand (a function of the item) and kept scaled in a small cache.
// - Tiles are as wide as the widest caption line (within reason), so that captions are read whole.
// - An item without an image (the function returns a null QImage) shows a grey tile.
// - An item's accent colour (when valid) frames its tile and colours its last caption line.
// - Hovering shows the item's tooltip; clicking emits itemClicked.
// Knows nothing of the engine: captions and QImages only. GUI thread only.
#include <QAbstractScrollArea>
#include <QCache>
#include <QColor>
#include <QImage>
#include <QPixmap>
#include <QVector>

#include <functional>

class ImageGallery : public QAbstractScrollArea {
    Q_OBJECT
public:
    struct Item {
        QString caption;     // lines separated by '\n'; each is elided to the tile's width
        QString toolTip;
        QColor accent;       // invalid: none
    };
    using ImageFunction = std::function<QImage(int item)>;   // called for tiles in view only

    explicit ImageGallery(QWidget* parent = nullptr);

    void setItems(QVector<Item> items, ImageFunction image);
    void clear();
    int count() const { return int(items_.size()); }
    const Item& item(int i) const { return items_[i]; }

    void setThumbnailSide(int pixels);            // the longer side an image is scaled to; 84 by default
    int thumbnailSide() const { return side_; }
    void setPlaceholderText(const QString& text); // shown while there are no items
    QString placeholderText() const { return placeholder_; }

    // Where item i is drawn, in viewport coordinates at the current scroll position; and back.
    QRect itemRect(int i) const;
    int itemAt(const QPoint& viewportPosition) const;   // −1: none
    void scrollToItem(int i);
    int columns() const;

    QSize sizeHint() const override;

signals:
    void itemClicked(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    bool viewportEvent(QEvent* event) override;   // tooltips, clicks, hover
    void changeEvent(QEvent* event) override;

private:
    QSize tileSize() const;
    void measureCaptions();               // lines_ and captionWidth_ for these items and this font
    void updateScrollBars();
    QPixmap thumbnail(int i);

    QVector<Item> items_;
    ImageFunction image_;
    int lines_ = 1;                       // caption lines of the tallest caption
    int captionWidth_ = 0;                // pixels of the widest caption line
    int side_ = 84;
    int hovered_ = -1;
    QString placeholder_;
    QCache<int, QPixmap> thumbnails_{600};   // scaled images of recently painted items
};

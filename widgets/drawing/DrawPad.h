#pragma once
// A square pad to draw on with the mouse: a thick, soft-edged white brush on black, as MNIST's
// digits are. The drawing is kept as a grey image of a fixed resolution (image()), whatever size
// the widget is shown at.
//
// - Left button draws; right button (or clear()) clears.
// - changing(image) while a stroke is drawn (each mouse move), drawn(image) when it ends.
#include <QImage>
#include <QPointF>
#include <QWidget>

class DrawPad : public QWidget {
    Q_OBJECT
public:
    explicit DrawPad(QWidget* parent = nullptr, int resolution = 280);

    const QImage& image() const { return image_; }      // Format_Grayscale8, resolution × resolution
    bool isEmpty() const { return empty_; }
    // Brush diameter as a fraction of the pad's side (default 0.085: MNIST's 2–3 px of 28).
    void setBrushFraction(double fraction) { brushFraction_ = fraction; }

    QSize sizeHint() const override { return {240, 240}; }
    QSize minimumSizeHint() const override { return {120, 120}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }

public slots:
    void clear();

signals:
    void changing(const QImage& image);   // during a stroke
    void drawn(const QImage& image);      // after each stroke
    void cleared();

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QRectF square() const;                        // where the image is shown: the largest centred square
    QPointF toImage(const QPointF& widget) const;
    void strokeTo(const QPointF& at);             // image coordinates

    QImage image_;
    QPointF last_;
    bool drawing_ = false;
    bool empty_ = true;
    double brushFraction_ = 0.085;
};

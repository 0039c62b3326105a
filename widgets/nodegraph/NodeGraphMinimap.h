#pragma once
// A small overview in the canvas's bottom-right corner: every node as a rectangle and the visible
// area as a frame. Click or drag in it to move the view there.
#include <QWidget>

class NodeGraphView;

class NodeGraphMinimap : public QWidget {
public:
    explicit NodeGraphMinimap(NodeGraphView* view);
    void place();                                       // keep in the corner after a resize

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRectF world() const;                               // the scene area shown
    QTransform toMinimap() const;
    NodeGraphView* view_;
};

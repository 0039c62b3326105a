#pragma once
// The canvas view: only navigation. Wheel and keys zoom (around the cursor), the middle button
// or Space + drag pans, a drag on empty canvas selects with a rubber band, Fit shows everything.
// Palette entries dropped on it go to the model; a refused connection is explained at the cursor.
#include <QGraphicsView>

class NodeGraphScene;
class NodeGraphMinimap;

class NodeGraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit NodeGraphView(NodeGraphScene* scene, QWidget* parent = nullptr);

    // The MIME type a palette puts on its drags; the text is handed to NodeGraphModel::dropItem.
    static QString paletteMimeType() { return QStringLiteral("application/x-neurite-layer"); }

    double zoom() const { return transform().m11(); }
    void setMinimapVisible(bool on);
    bool minimapVisible() const;

public slots:
    void zoomIn() { zoomBy(1.25); }
    void zoomOut() { zoomBy(1 / 1.25); }
    void resetZoom();
    void fitToView() { fitToView(0.1); }
    // Fits the graph, but not below `minZoom`: then shows its left end (where the input is).
    void fitToView(double minZoom);
    void centreOnNodes(const QStringList& ids);

signals:
    void zoomChanged(double zoom);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void zoomBy(double factor);

    NodeGraphScene* graph_;
    NodeGraphMinimap* minimap_;
    bool spaceHeld_ = false;
    bool panning_ = false;
    QPoint panLast_;
};

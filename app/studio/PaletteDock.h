#pragma once
// The layer palette: every layer of the catalogue by category, each with its one-line
// explanation, filtered as you type. Drag an entry onto the canvas, or double-click it to add it
// in the middle of the view.
#include <QDockWidget>

class QLineEdit;
class QMimeData;
class QTreeWidget;

class PaletteDock : public QDockWidget {
    Q_OBJECT
public:
    explicit PaletteDock(QWidget* parent = nullptr);
    static QMimeData* mimeDataFor(const QString& layerType);   // what a drag of that entry carries
    QTreeWidget* tree() const { return tree_; }

signals:
    void layerActivated(const QString& layerType);

private:
    void filter(const QString& text);
    QLineEdit* search_;
    QTreeWidget* tree_;
};

#pragma once
// The abstract graph the canvas draws: nodes with ports, positions and text, and connections
// between an output port and an input port. It knows nothing of neural networks; the studio
// implements it over its document. The scene only reads it and sends requests back: every change
// goes through the model (and so through its undo stack), then the model says `changed()`.
#include <QColor>
#include <QList>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>

struct NodeGraphPort {
    QString node;
    QString port;
    bool operator==(const NodeGraphPort&) const = default;
};

struct NodeGraphConnection {
    NodeGraphPort from;                 // an output port
    NodeGraphPort to;                   // an input port
    QString label;                      // drawn on the edge (the tensor shape it carries)
    bool operator==(const NodeGraphConnection& o) const { return from == o.from && to == o.to; }
};

struct NodeGraphNode {
    QString id;                         // unique; shown as the node's name
    QString title;                      // its kind ("Conv2d")
    QColor accent;                      // header colour (by category)
    QStringList details;                // key attributes, one per line
    QString footer;                     // output shape, then parameters · FLOPs (lines split by \n)
    QStringList inputs, outputs;        // port names, in order
    QPointF pos;                        // top-left corner in scene coordinates
    QString problem;                    // non-empty: drawn as an error (or a warning) on the node
    bool warningOnly = false;
    // A live status (a layer's health while it trains): a glyph on a coloured disc at the top
    // right, left of the problem mark, with its own lines in the tooltip. Empty: none.
    QString badge;
    QColor badgeColour;
    QString badgeTip;
    bool operator==(const NodeGraphNode&) const = default;
};

class NodeGraphModel : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    // - Reading (cheap; called when `changed()` is emitted).
    virtual QStringList nodeIds() const = 0;
    virtual NodeGraphNode node(const QString& id) const = 0;
    virtual QList<NodeGraphConnection> connections() const = 0;

    // - Requests from the canvas. The model decides; refusals say why in `reason`.
    virtual bool canConnect(const NodeGraphPort& from, const NodeGraphPort& to, QString* reason) const = 0;
    virtual void connectPorts(const NodeGraphPort& from, const NodeGraphPort& to) = 0;
    // `nudge`: a step of a keyboard move; consecutive nudges of the same nodes may merge.
    virtual void moveNodes(const QList<QString>& ids, const QList<QPointF>& positions, bool nudge = false) = 0;
    virtual void removeItems(const QStringList& nodeIds, const QList<NodeGraphConnection>& connections) = 0;
    virtual void dropItem(const QString& mimeText, QPointF scenePos) = 0;  // a palette entry dropped here

signals:
    void changed();                     // anything may have changed: the scene re-reads
};

#pragma once
// The canvas's view of the document: NodeGraphModel (widgets, engine-free) implemented over the
// engine's model graph and its analysis. Reads give each node its text, shape and problems;
// requests from the canvas become undo commands on the document.
#include "app/studio/Document.h"
#include "app/studio/HealthBadges.h"

#include <QHash>
#include "widgets/nodegraph/NodeGraphModel.h"

class GraphAdapter : public NodeGraphModel {
    Q_OBJECT
public:
    explicit GraphAdapter(Document* doc, QObject* parent = nullptr);

    QStringList nodeIds() const override;
    NodeGraphNode node(const QString& id) const override;
    QList<NodeGraphConnection> connections() const override;

    bool canConnect(const NodeGraphPort& from, const NodeGraphPort& to, QString* reason) const override;
    void connectPorts(const NodeGraphPort& from, const NodeGraphPort& to) override;
    void moveNodes(const QList<QString>& ids, const QList<QPointF>& positions, bool nudge = false) override;
    void removeItems(const QStringList& nodeIds, const QList<NodeGraphConnection>& connections) override;
    void dropItem(const QString& layerType, QPointF scenePos) override;

    // Adds a layer of this type at a point (the palette's double-click uses it too).
    void addLayer(const QString& layerType, QPointF scenePos);

    // Badges on the nodes (the layers' health while a run trains, or of a finished run); empty:
    // none. Redraws only when they change.
    void setBadges(const QHash<QString, NodeBadge>& badges);
    const QHash<QString, NodeBadge>& badges() const { return badges_; }

private:
    bool reaches(const std::string& from, const std::string& to) const;  // a path from → to exists
    Document* doc_;
    QHash<QString, NodeBadge> badges_;
};

#include "app/studio/Clipboard.h"

#include "engine/graph/ModelJson.h"

#include <QMimeData>
#include <map>
#include <set>

using namespace neurite;

QString clipboardMimeType() { return QStringLiteral("application/x-neurite-model"); }

QMimeData* copyNodes(const ModelGraph& graph, const QStringList& ids)
{
    ModelGraph part;
    part.name = "clipboard";
    for (const Node& n : graph.nodes)
        if (ids.contains(QString::fromStdString(n.id)))
            part.nodes.push_back(n);
    for (const Edge& e : graph.edges)
        if (part.find(e.from.node) && part.find(e.to.node))
            part.edges.push_back(e);
    const QByteArray text = QByteArray::fromStdString(modelToJson(part).dump(2));
    auto* mime = new QMimeData;
    mime->setData(clipboardMimeType(), text);
    mime->setText(QString::fromUtf8(text));
    return mime;
}

ModelGraph nodesToPaste(const QMimeData* data, const Document& doc, QPointF offset)
{
    if (!data || !data->hasFormat(clipboardMimeType()))
        return {};
    ModelGraph part = modelFromText(data->data(clipboardMimeType()).toStdString(), "clipboard");
    // New ids for the nodes whose ids are taken ("conv1" → "conv3"), reserving each as it is given.
    std::set<std::string> taken;
    for (const Node& n : doc.graph().nodes)
        taken.insert(n.id);
    std::map<std::string, std::string> renamed;
    for (Node& n : part.nodes) {
        const std::string id = taken.count(n.id) ? Document::uniqueId(n.id, [&](const std::string& t) { return taken.count(t) > 0; })
                                                 : n.id;
        taken.insert(id);
        renamed[n.id] = id;
        n.id = id;
        n.x += offset.x();
        n.y += offset.y();
    }
    for (Edge& e : part.edges) {
        e.from.node = renamed[e.from.node];
        e.to.node = renamed[e.to.node];
    }
    return part;
}

#include "app/studio/Document.h"

#include "engine/graph/ModelJson.h"

#include <QFileInfo>
#include <algorithm>
#include <cctype>

using namespace neurite;

Document::Document(QObject* parent) : QObject(parent)
{
    connect(&undo_, &QUndoStack::cleanChanged, this, &Document::fileChanged);
    edited();
}

QString Document::displayName() const
{
    if (!path_.isEmpty())
        return QFileInfo(path_).fileName();
    return graph_.name.empty() ? tr("Untitled") : QString::fromStdString(graph_.name);
}

void Document::setBatchSize(int batch)
{
    if (batch == batch_ || batch < 1)
        return;
    batch_ = batch;
    edited();
}

void Document::reset(ModelGraph graph, const QString& path)
{
    graph_ = std::move(graph);
    path_ = path;
    undo_.clear();
    edited();
    emit fileChanged();
    emit trainingChanged();
}

void Document::load(const QString& path)
{
    ModelGraph graph = loadModel(path.toStdString());  // throws before anything changes
    reset(std::move(graph), path);
}

void Document::save(const QString& path)
{
    saveModel(graph_, path.toStdString());
    path_ = path;
    undo_.setClean();
    emit fileChanged();
}

QString Document::uniqueId(const QString& base) const
{
    return QString::fromStdString(uniqueId(base.toStdString(), [&](const std::string& id) { return graph_.find(id); }));
}

std::string Document::uniqueId(const std::string& base, const std::function<bool(const std::string&)>& taken)
{
    std::string stem = base;
    while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back())))
        stem.pop_back();
    if (stem.empty())
        stem = "node";
    for (int i = 1;; ++i)
        if (std::string id = stem + std::to_string(i); !taken(id))
            return id;
}

void Document::edited()
{
    if (batchDepth_ > 0) {
        pending_ = true;
        return;
    }
    pending_ = false;
    analysis_ = analyse(graph_, batch_);
    emit graphChanged();
}

void Document::insertNode(const Node& node, int index)
{
    index = std::clamp(index, 0, int(graph_.nodes.size()));
    graph_.nodes.insert(graph_.nodes.begin() + index, node);
    edited();
}

void Document::removeNode(const std::string& id)
{
    std::erase_if(graph_.nodes, [&](const Node& n) { return n.id == id; });
    edited();
}

void Document::insertEdge(const Edge& edge, int index)
{
    index = std::clamp(index, 0, int(graph_.edges.size()));
    graph_.edges.insert(graph_.edges.begin() + index, edge);
    edited();
}

void Document::removeEdge(const Edge& edge)
{
    std::erase(graph_.edges, edge);
    edited();
}

void Document::setNodePosition(const std::string& id, double x, double y)
{
    if (Node* n = graph_.find(id)) {
        n->x = x;
        n->y = y;
        edited();
    }
}

void Document::setAttribute(const std::string& id, const std::string& name, const nlohmann::json& value)
{
    if (Node* n = graph_.find(id)) {
        if (value.is_null())
            n->attrs.erase(name);
        else
            n->attrs[name] = value;
        edited();
    }
}

void Document::renameNode(const std::string& from, const std::string& to)
{
    if (Node* n = graph_.find(from)) {
        n->id = to;
        for (Edge& e : graph_.edges) {
            if (e.from.node == from)
                e.from.node = to;
            if (e.to.node == from)
                e.to.node = to;
        }
        edited();
    }
}

void Document::setTraining(const nlohmann::json& training)
{
    graph_.training = training;
    emit trainingChanged();
}

void Document::setName(const std::string& name)
{
    graph_.name = name;
    edited();
}

#include "engine/graph/ModelGraph.h"

namespace neurite {

const Node* ModelGraph::find(const std::string& id) const
{
    for (const auto& n : nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

Node* ModelGraph::find(const std::string& id)
{
    return const_cast<Node*>(static_cast<const ModelGraph*>(this)->find(id));
}

const Edge* ModelGraph::edgeInto(const std::string& node, const std::string& port) const
{
    for (const auto& e : edges)
        if (e.to.node == node && e.to.port == port)
            return &e;
    return nullptr;
}

Node& ModelGraph::add(std::string id, std::string type, nlohmann::json attrs)
{
    nodes.push_back(Node{std::move(id), std::move(type), std::move(attrs), 0, 0});
    return nodes.back();
}

void ModelGraph::connect(const std::string& fromNode, const std::string& toNode, const std::string& toPort,
                         const std::string& fromPort)
{
    edges.push_back(Edge{{fromNode, fromPort}, {toNode, toPort}});
}

} // namespace neurite

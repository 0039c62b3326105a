#pragma once
// The model graph: nodes with a type, a stable id, attributes and a canvas position, and edges
// between named ports. It is plain data; validation and shape inference live in ShapeInference.h.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace neurite {

struct Node {
    std::string id;                 // stable, unique in the graph ("conv1")
    std::string type;               // a type of the layer catalogue ("Conv2d")
    nlohmann::json attrs = nlohmann::json::object();  // only the attributes that differ from the defaults
    double x = 0, y = 0;            // canvas position
};

struct PortRef {
    std::string node;
    std::string port;
    bool operator==(const PortRef&) const = default;
};

struct Edge {
    PortRef from;                   // an output port
    PortRef to;                     // an input port
    bool operator==(const Edge&) const = default;
};

class ModelGraph {
public:
    std::string name;
    std::vector<Node> nodes;
    std::vector<Edge> edges;
    // How the studio last set up training for this model (a job's JSON, engine/run/Job.h), saved
    // with the file; empty when none. Not part of the network: runs store the model without it.
    nlohmann::json training = nlohmann::json::object();

    const Node* find(const std::string& id) const;
    Node* find(const std::string& id);
    // The edge feeding an input port, if any.
    const Edge* edgeInto(const std::string& node, const std::string& port) const;

    // Builder helpers for code and tests: add a node, connect out → in.
    Node& add(std::string id, std::string type, nlohmann::json attrs = nlohmann::json::object());
    void connect(const std::string& fromNode, const std::string& toNode, const std::string& toPort = "in",
                 const std::string& fromPort = "out");
};

} // namespace neurite

#pragma once
// Reading a node's attributes (falling back to the catalogue's defaults) and checking them
// against the catalogue's types and ranges.
#include "engine/graph/Catalogue.h"
#include "engine/graph/ModelGraph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// One problem found in a model, on the node it concerns (empty id: the whole model).
struct Diagnostic {
    std::string nodeId;
    std::string message;            // what was expected and what was found
    std::string hint;               // what to do about it
    bool warning = false;           // warnings do not stop training
    std::string str() const;        // "node 'fc1': ... (hint: ...)"
};

// Typed reads; the value must have been checked by checkAttributes (else the default is used).
std::int64_t attrInt(const Node& node, const std::string& name);
double attrFloat(const Node& node, const std::string& name);
bool attrBool(const Node& node, const std::string& name);
std::string attrChoice(const Node& node, const std::string& name);
std::vector<std::int64_t> attrList(const Node& node, const std::string& name);

// Unknown names, wrong types, values out of range or not among the choices.
void checkAttributes(const Node& node, const LayerSpec& spec, std::vector<Diagnostic>& out);

} // namespace neurite

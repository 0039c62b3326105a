#pragma once
// One QUndoCommand per kind of edit. Commands that remove things keep copies of what they removed
// (nodes with their attributes, edges, and where they were in the lists), so undo restores the
// document exactly. Continuous edits merge: a value scrubbed or typed in the inspector is one
// command until the edit is finished.
#include "app/studio/Document.h"

#include <QPointF>
#include <QUndoCommand>
#include <optional>
#include <vector>

// Adds nodes and the edges among them (a palette drop, a paste, a duplicate).
class AddNodesCommand : public QUndoCommand {
public:
    AddNodesCommand(Document* doc, std::vector<neurite::Node> nodes, std::vector<neurite::Edge> edges,
                    const QString& text);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    std::vector<neurite::Node> nodes_;
    std::vector<neurite::Edge> edges_;
};

// Removes nodes (with every edge touching them) and edges.
class RemoveItemsCommand : public QUndoCommand {
public:
    RemoveItemsCommand(Document* doc, const std::vector<std::string>& nodeIds, const std::vector<neurite::Edge>& edges);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    std::vector<std::pair<int, neurite::Node>> nodes_;      // (index in the list, node), ascending
    std::vector<std::pair<int, neurite::Edge>> edges_;
};

// Connects an output to an input; an edge already into that input is replaced.
class ConnectCommand : public QUndoCommand {
public:
    ConnectCommand(Document* doc, neurite::Edge edge);
    void redo() override;
    void undo() override;

private:
    Document* doc_;
    neurite::Edge edge_;
    std::optional<std::pair<int, neurite::Edge>> replaced_;
};

// Moves nodes (a drag, the automatic layout, arrow-key nudges). Consecutive nudges of the same
// nodes merge into one command.
class MoveNodesCommand : public QUndoCommand {
public:
    struct Move {
        std::string id;
        QPointF from, to;
    };
    MoveNodesCommand(Document* doc, std::vector<Move> moves, const QString& text, bool nudge = false);
    void redo() override;
    void undo() override;
    int id() const override { return nudge_ ? 2 : -1; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    void apply(bool forward);
    Document* doc_;
    std::vector<Move> moves_;
    bool nudge_;
};

// Sets one attribute (null: back to its default). Merges with the previous command on the same
// node and attribute while that edit is still open.
class SetAttributeCommand : public QUndoCommand {
public:
    SetAttributeCommand(Document* doc, std::string node, std::string name, nlohmann::json value, bool finished);
    void redo() override;
    void undo() override;
    int id() const override { return 1; }
    bool mergeWith(const QUndoCommand* other) override;
    // Whether the next edit of this node's attribute still merges into this command.
    bool isOpenFor(const std::string& node, const std::string& name) const
    {
        return !finished_ && node == node_ && name == name_;
    }

private:
    Document* doc_;
    std::string node_, name_;
    nlohmann::json before_, after_;
    bool finished_;
};

// Renames a node (its id), following its edges.
class RenameNodeCommand : public QUndoCommand {
public:
    RenameNodeCommand(Document* doc, std::string from, std::string to);
    void redo() override { doc_->renameNode(from_, to_); }
    void undo() override { doc_->renameNode(to_, from_); }

private:
    Document* doc_;
    std::string from_, to_;
};

// Changes the training settings saved with the model (the Training dock). Consecutive changes
// merge into one command.
class SetTrainingCommand : public QUndoCommand {
public:
    SetTrainingCommand(Document* doc, nlohmann::json training);
    void redo() override { doc_->setTraining(after_); }
    void undo() override { doc_->setTraining(before_); }
    int id() const override { return 3; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* doc_;
    nlohmann::json before_, after_;
};

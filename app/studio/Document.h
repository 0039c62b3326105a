#pragma once
// The document: one model graph, its file, its undo stack and its analysis (shapes, parameters,
// problems), kept fresh after every edit. Every change a person makes goes through a command on
// the undo stack (EditCommands.h), which calls the primitive edits below; nothing else calls them.
// GUI thread only.
#include "engine/graph/ModelGraph.h"
#include "engine/graph/ShapeInference.h"

#include <QObject>
#include <functional>
#include <QString>
#include <QUndoStack>

class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);

    const neurite::ModelGraph& graph() const { return graph_; }
    const neurite::GraphAnalysis& analysis() const { return analysis_; }  // at batchSize()
    QUndoStack* undoStack() { return &undo_; }
    void push(QUndoCommand* command) { undo_.push(command); }

    QString path() const { return path_; }                  // empty: not saved yet
    QString displayName() const;                            // file name, or the model's name
    bool isModified() const { return !undo_.isClean(); }

    int batchSize() const { return batch_; }
    void setBatchSize(int batch);

    // Replace the whole graph (New, Open, a template, Revert); clears the undo history.
    void reset(neurite::ModelGraph graph, const QString& path);
    // Throws neurite::Error (ModelError, DataError) with the engine's message; changes nothing then.
    void load(const QString& path);
    void save(const QString& path);                         // throws neurite::DataError

    QString uniqueId(const QString& base) const;            // "conv" → "conv3" when conv1, conv2 exist
    // The same rule for any set of names: the base's stem plus the first number not taken.
    static std::string uniqueId(const std::string& base, const std::function<bool(const std::string&)>& taken);

    // Groups primitive edits so that the analysis runs once, when the outermost batch ends.
    class Batch {
    public:
        explicit Batch(Document* doc) : doc_(doc) { ++doc_->batchDepth_; }
        ~Batch() { if (--doc_->batchDepth_ == 0 && doc_->pending_) doc_->edited(); }
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
    private:
        Document* doc_;
    };

    // - Primitive edits, for EditCommands only. Each re-analyses and emits graphChanged() (at the
    //   end of the batch, inside one).
    void insertNode(const neurite::Node& node, int index);
    void removeNode(const std::string& id);
    void insertEdge(const neurite::Edge& edge, int index);
    void removeEdge(const neurite::Edge& edge);
    void setNodePosition(const std::string& id, double x, double y);
    void setAttribute(const std::string& id, const std::string& name, const nlohmann::json& value);  // null: default
    void renameNode(const std::string& from, const std::string& to);
    void setName(const std::string& name);
    void setTraining(const nlohmann::json& training);      // emits trainingChanged(), not graphChanged()

signals:
    void graphChanged();                                    // after every edit; analysis() is fresh
    void fileChanged();                                     // path or modified state
    void trainingChanged();                                 // the training settings saved with the model

private:
    void edited();

    neurite::ModelGraph graph_;
    neurite::GraphAnalysis analysis_;
    QUndoStack undo_;
    QString path_;
    int batch_ = 128;
    int batchDepth_ = 0;
    bool pending_ = false;
};

#pragma once
// Copy and paste of layers: the selected nodes and the edges among them as a model JSON document
// on the system clipboard (so it pastes into another window, or into a text editor as JSON).
#include "app/studio/Document.h"

#include <QPointF>
#include <QStringList>

class QMimeData;

QString clipboardMimeType();
QMimeData* copyNodes(const neurite::ModelGraph& graph, const QStringList& ids);

// The nodes of a copied document, renamed where their ids are taken in `doc` and moved by
// `offset`; empty when the data holds no model. Throws neurite::ModelError for a malformed one.
neurite::ModelGraph nodesToPaste(const QMimeData* data, const Document& doc, QPointF offset);

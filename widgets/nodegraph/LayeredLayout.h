#pragma once
// Automatic layout of a directed graph, layered from left to right: each node in the column after
// its deepest predecessor (longest path), columns ordered by the mean row of the predecessors so
// that edges cross little, and every column centred on the same horizontal line.
#include <QList>
#include <QPair>
#include <QPointF>
#include <QSizeF>

// edges: (from, to) as indices into sizes. Returns each node's top-left corner.
QList<QPointF> layeredLayout(const QList<QSizeF>& sizes, const QList<QPair<int, int>>& edges,
                             double columnGap = 60, double rowGap = 30);

#pragma once
// Automatic layout of a directed graph, layered from left to right: each node in the column after
// its deepest predecessor (longest path), columns ordered by the mean row of the predecessors so
// that edges cross little, and every column centred on the same horizontal line.
#include <QList>
#include <QPair>
#include <QPointF>
#include <QSizeF>

// A long network (a deep chain has as many columns as layers) wraps: after `maxColumns` columns
// the next ones start a new band below, as lines of text do; 0: never wrap.
//
// edges: (from, to) as indices into sizes. Returns each node's top-left corner.
QList<QPointF> layeredLayout(const QList<QSizeF>& sizes, const QList<QPair<int, int>>& edges, int maxColumns = 0,
                             double columnGap = 100, double rowGap = 40);

#include "widgets/nodegraph/LayeredLayout.h"

#include <algorithm>
#include <numeric>

QList<QPointF> layeredLayout(const QList<QSizeF>& sizes, const QList<QPair<int, int>>& edges, int maxColumns,
                             double columnGap, double rowGap)
{
    const int n = int(sizes.size());
    QList<QList<int>> preds(n), succs(n);
    QList<int> indegree(n, 0);
    for (const auto& [from, to] : edges) {
        if (from < 0 || to < 0 || from >= n || to >= n || from == to)
            continue;
        preds[to] << from;
        succs[from] << to;
        ++indegree[to];
    }
    // Longest path from the sources (Kahn's order); nodes on a cycle keep column 0.
    QList<int> column(n, 0), queue;
    for (int i = 0; i < n; ++i)
        if (indegree[i] == 0)
            queue << i;
    for (int head = 0; head < queue.size(); ++head)
        for (int s : succs[queue[head]]) {
            column[s] = std::max(column[s], column[queue[head]] + 1);
            if (--indegree[s] == 0)
                queue << s;
        }
    const int columns = n ? *std::max_element(column.begin(), column.end()) + 1 : 0;

    // Order within a column by the mean row of the predecessors (one sweep, left to right).
    QList<QList<int>> members(columns);
    QList<double> row(n, 0);
    for (int c = 0; c < columns; ++c) {
        for (int i = 0; i < n; ++i)
            if (column[i] == c)
                members[c] << i;
        QList<double> key(n, 0);
        for (int i : members[c]) {
            double sum = 0;
            for (int p : preds[i])
                sum += row[p];
            key[i] = preds[i].isEmpty() ? i : sum / preds[i].size();
        }
        std::stable_sort(members[c].begin(), members[c].end(), [&](int a, int b) { return key[a] < key[b]; });
        for (int r = 0; r < members[c].size(); ++r)
            row[members[c][r]] = r;
    }

    // Each column centred on its band's middle line; bands stacked downwards.
    QList<double> width(columns, 0), height(columns, -rowGap);
    for (int c = 0; c < columns; ++c)
        for (int i : members[c])
            width[c] = std::max(width[c], sizes[i].width()), height[c] += sizes[i].height() + rowGap;
    const int perBand = maxColumns > 0 ? maxColumns : std::max(columns, 1);
    QList<QPointF> out(n);
    double bandTop = 0;
    for (int first = 0; first < columns; first += perBand) {
        const int last = std::min(columns, first + perBand);
        const double bandHeight = *std::max_element(height.begin() + first, height.begin() + last);
        double x = 0;
        for (int c = first; c < last; ++c) {
            double y = bandTop + (bandHeight - height[c]) / 2;
            for (int i : members[c]) {
                out[i] = QPointF(x, y);
                y += sizes[i].height() + rowGap;
            }
            x += width[c] + columnGap;
        }
        bandTop += bandHeight + 2 * rowGap;
    }
    return out;
}

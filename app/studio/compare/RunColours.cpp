#include "app/studio/compare/RunColours.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QSettings>

#include <array>

namespace {
// Mid-luminance hues in the manner of Tableau's palette: dark enough for a white background,
// light enough for a dark one; neighbours differ in hue, so runs 1..12 never look alike.
const std::array<QColor, 12> kPalette = {
    QColor(0x4e, 0x79, 0xa7),  // blue
    QColor(0xf2, 0x8e, 0x2b),  // orange
    QColor(0x59, 0xa1, 0x4f),  // green
    QColor(0xe1, 0x57, 0x59),  // red
    QColor(0xb0, 0x7a, 0xa1),  // purple
    QColor(0x17, 0xbe, 0xcf),  // cyan
    QColor(0x9c, 0x75, 0x5f),  // brown
    QColor(0xe3, 0x77, 0xc2),  // pink
    QColor(0xbc, 0xbd, 0x22),  // olive
    QColor(0x76, 0xb7, 0xb2),  // teal
    QColor(0xd3, 0xa6, 0x2a),  // gold
    QColor(0x8a, 0x8a, 0x8a),  // grey
};
} // namespace

std::span<const QColor> RunColours::palette()
{
    return kPalette;
}

QColor RunColours::defaultColour(qint64 id)
{
    const qint64 n = qint64(kPalette.size());
    return kPalette[std::size_t(((id - 1) % n + n) % n)];
}

QString RunColours::groupOf(const QString& workspace)
{
    const QString path = workspace.isEmpty() ? QString() : QFileInfo(workspace).absoluteFilePath();
    const QByteArray hash = QCryptographicHash::hash(path.toUtf8(), QCryptographicHash::Sha1).toHex().left(16);
    return QStringLiteral("RunColours/") + QString::fromLatin1(hash);
}

QColor RunColours::colour(const QString& workspace, qint64 id) const
{
    const QSettings settings;
    const QColor chosen(settings.value(groupOf(workspace) + '/' + QString::number(id)).toString());
    return chosen.isValid() ? chosen : defaultColour(id);
}

void RunColours::setColour(const QString& workspace, qint64 id, const QColor& colour)
{
    if (!colour.isValid())
        return reset(workspace, id);
    QSettings().setValue(groupOf(workspace) + '/' + QString::number(id), colour.name(QColor::HexRgb));
}

bool RunColours::isOverridden(const QString& workspace, qint64 id) const
{
    return QSettings().contains(groupOf(workspace) + '/' + QString::number(id));
}

void RunColours::reset(const QString& workspace, qint64 id)
{
    QSettings().remove(groupOf(workspace) + '/' + QString::number(id));
}

void RunColours::resetAll(const QString& workspace)
{
    QSettings().remove(groupOf(workspace));
}

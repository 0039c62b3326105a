#include "app/studio/Theme.h"

#include <QApplication>
#include <QPalette>
#include <QProcess>
#include <QStyle>
#include <QStyleFactory>

namespace {

// The desktop asks for dark without giving Qt a dark palette: GTK_THEME=Name:dark, or GNOME's
// colour-scheme setting (asked once, at start, with at most half a second's wait).
bool desktopPrefersDark()
{
    if (qEnvironmentVariable("GTK_THEME").endsWith(QStringLiteral(":dark")))
        return true;
    QProcess gsettings;
    gsettings.start(QStringLiteral("gsettings"), {QStringLiteral("get"), QStringLiteral("org.gnome.desktop.interface"),
                                                  QStringLiteral("color-scheme")});
    return gsettings.waitForFinished(500) && gsettings.readAllStandardOutput().contains("prefer-dark");
}

} // namespace

void applyTheme(Theme theme)
{
    static const QPalette system = QApplication::palette();
    if (theme == Theme::System) {
        // The platform's palette (dark already on KDE or with GTK's dark themes), unless the
        // desktop wants dark and the platform gives light.
        if (system.color(QPalette::Window).lightness() < 128 || !desktopPrefersDark())
            return QApplication::setPalette(system);
        theme = Theme::Dark;
    }
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p = QApplication::style()->standardPalette();
    if (theme == Theme::Dark) {
        const QColor window(0x24, 0x26, 0x2B), base(0x1B, 0x1D, 0x21), text(0xE6, 0xE6, 0xE6);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, QColor(0x20, 0x22, 0x26));
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::Button, window);
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::ToolTipBase, base);
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::PlaceholderText, QColor(0x9A, 0xA0, 0xA6));
        p.setColor(QPalette::Highlight, QColor(0x3B, 0x82, 0xF6));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Mid, QColor(0x4A, 0x4D, 0x55));
        p.setColor(QPalette::Midlight, QColor(0x2E, 0x31, 0x37));
        p.setColor(QPalette::Dark, QColor(0x8A, 0x90, 0x99));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x74, 0x7A));
    }
    QApplication::setPalette(p);
}

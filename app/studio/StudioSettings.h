#pragma once
// The studio's settings, typed: each key and its default declared once, read and written through
// accessors (QSettings underneath: ~/.config/Neurite/Neurite Studio.conf on Linux).
#include <QByteArray>
#include <QSettings>
#include <QStringList>

enum class Theme { System, Light, Dark };

class StudioSettings {
public:
    QByteArray geometry() const { return get<QByteArray>(kGeometry, {}); }
    void setGeometry(const QByteArray& v) { settings_.setValue(kGeometry, v); }
    QByteArray dockState() const { return get<QByteArray>(kDockState, {}); }
    void setDockState(const QByteArray& v) { settings_.setValue(kDockState, v); }
    Theme theme() const { return Theme(get<int>(kTheme, int(Theme::System))); }
    void setTheme(Theme v) { settings_.setValue(kTheme, int(v)); }
    bool snapToGrid() const { return get<bool>(kSnap, true); }
    void setSnapToGrid(bool v) { settings_.setValue(kSnap, v); }
    bool minimap() const { return get<bool>(kMinimap, true); }
    void setMinimap(bool v) { settings_.setValue(kMinimap, v); }
    QString workspace() const { return get<QString>(kWorkspace, {}); }    // empty: the CLI's default
    void setWorkspace(const QString& v) { settings_.setValue(kWorkspace, v); }
    QStringList recentFiles() const { return get<QStringList>(kRecent, {}); }
    void addRecentFile(const QString& path);            // most recent first, at most 8

private:
    template <class T>
    T get(const char* key, const T& fallback) const
    {
        const QVariant v = settings_.value(key);
        return v.isValid() && v.canConvert<T>() ? v.value<T>() : fallback;
    }
    static constexpr const char* kGeometry = "window/geometry";
    static constexpr const char* kDockState = "window/docks";
    static constexpr const char* kTheme = "view/theme";
    static constexpr const char* kSnap = "canvas/snapToGrid";
    static constexpr const char* kMinimap = "canvas/minimap";
    static constexpr const char* kRecent = "files/recent";
    static constexpr const char* kWorkspace = "runs/workspace";
    QSettings settings_;
};

#pragma once
// Whether anyone can see a widget, for work done only for the eye (animation, live redraws).
// A dock widget behind another's tab is not hidden: Qt moves it out of the window and leaves
// isVisible() true (QDockAreaLayoutInfo::apply), so work gated on isVisible() alone goes on for
// nobody, waking the GUI thread, and with it a core the training needs, for nothing.
#include <QDockWidget>
#include <QPointer>
#include <QWidget>

// Shown, and not clipped away entirely by its ancestors (a dock moved out of the window is).
// Not visibleRegion(): that also takes away opaque children, which cover a container whole.
inline bool isOnScreen(const QWidget* widget)
{
    if (!widget->isVisible())
        return false;
    QRect r = widget->rect();   // in `widget`'s coordinates, then in each ancestor's
    for (const QWidget* w = widget; !w->isWindow() && w->parentWidget(); w = w->parentWidget()) {
        r = r.translated(w->pos()) & w->parentWidget()->rect();
        if (r.isEmpty())
            return false;
    }
    return !r.isEmpty();
}

// Calls `changed` (in `widget`'s context) whenever the dock that holds `widget` is shown or moved
// away (QDockWidget::visibilityChanged: its tab chosen or left); once per widget and dock; nothing
// when no dock holds it. Call it from showEvent: a widget is put in its dock before it is shown.
template <typename Changed>
void followDockVisibility(QWidget* widget, QPointer<QDockWidget>& followed, Changed changed)
{
    QWidget* w = widget->parentWidget();
    while (w && !qobject_cast<QDockWidget*>(w))
        w = w->parentWidget();
    auto* dock = qobject_cast<QDockWidget*>(w);
    if (!dock || dock == followed)
        return;
    if (followed)
        QObject::disconnect(followed, &QDockWidget::visibilityChanged, widget, nullptr);
    followed = dock;
    QObject::connect(dock, &QDockWidget::visibilityChanged, widget, changed);
}

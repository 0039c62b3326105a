// widgets/imgui: ImGuiHost alone, with a subclass that draws a button, a text field and a
// scrolling list. It draws (pixels that are not background), ImGui sees Qt's clicks, keys and
// wheel, it is idle when not animating and redraws ≥ 30 times a second when animating, two hosts
// keep to their own contexts, and it survives moving to another window and being destroyed.
// Needs OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb (tests/CMakeLists.txt does).
#include "widgets/imgui/ImGuiHost.h"
#include "tests/GlTestMain.h"

#include <QApplication>
#include <QMouseEvent>
#include <QPointer>
#include <QTest>
#include <QVBoxLayout>
#include <cmath>
#include <memory>

namespace {

class ButtonHost : public ImGuiHost {
public:
    int clicks = 0, doubleClicks = 0;
    QRectF button, field, list; // last frame's item rectangles, in widget pixels
    char text[64] = {};
    float listScroll = 0;

protected:
    void buildFrame() override
    {
        ImGui::SetCursorPos(ImVec2(20, 20));
        if (ImGui::Button("Press me", ImVec2(160, 60)))
            ++clicks;
        if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
            ++doubleClicks;
        button = lastItem();
        ImGui::SetNextItemWidth(160);
        ImGui::InputText("##field", text, sizeof text);
        field = lastItem();
        ImGui::BeginChild("list", ImVec2(160, 80), true);
        for (int i = 0; i < 50; ++i)
            ImGui::Text("line %d", i);
        listScroll = ImGui::GetScrollY();
        ImGui::EndChild();
        list = lastItem();
    }

private:
    static QRectF lastItem()
    {
        const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
        return QRectF(QPointF(a.x, a.y), QPointF(b.x, b.y));
    }
};

// Pixels of `image` inside `area` (logical pixels; the image is physical) that differ from `bg`.
int differing(const QImage& image, QColor bg, QRectF area, qreal ratio)
{
    const QRect r = QRect(QPoint(int(area.left() * ratio), int(area.top() * ratio)),
                          QPoint(int(area.right() * ratio) - 1, int(area.bottom() * ratio) - 1)) &
                    image.rect();
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            n += std::abs(c.red() - bg.red()) + std::abs(c.green() - bg.green()) + std::abs(c.blue() - bg.blue()) > 24;
        }
    return n;
}

void send(QWidget* w, QEvent::Type type, QPointF at, Qt::MouseButton button = Qt::LeftButton)
{
    const Qt::MouseButtons held = type == QEvent::MouseButtonRelease ? Qt::NoButton : Qt::MouseButtons(button);
    QMouseEvent e(type, at, w->mapToGlobal(at), type == QEvent::MouseMove ? Qt::NoButton : button, held,
                  Qt::NoModifier);
    QCoreApplication::sendEvent(w, &e);
}

// Lets the host draw until it stops asking for frames (input settles in a few).
void settle(ImGuiHost& host)
{
    qint64 frames = -1;
    for (int i = 0; i < 100 && frames != host.framesDrawn(); ++i) {
        frames = host.framesDrawn();
        QTest::qWait(60);
    }
}

std::unique_ptr<ButtonHost> shown()
{
    auto host = std::make_unique<ButtonHost>();
    host->resize(400, 300);
    host->show();
    if (!QTest::qWaitForWindowExposed(host.get()))
        qFatal("no window: is an X server (xvfb-run) there?");
    if (!QTest::qWaitFor([&] { return host->framesDrawn() > 0; }))
        qFatal("the host never drew");
    settle(*host);
    return host;
}

} // namespace

class TestImGuiHost : public QObject {
    Q_OBJECT
private slots:
    void drawsTheButton()
    {
        auto host = shown();
        QVERIFY(!host->button.isEmpty());
        const QImage image = host->grabFramebuffer();
        const QColor bg = host->palette().color(QPalette::Window);
        // The button is filled with a shade of its own, has a border and a label.
        const int inside = differing(image, bg, host->button, host->devicePixelRatioF());
        const double area = host->button.width() * host->button.height() * std::pow(host->devicePixelRatioF(), 2);
        QVERIFY2(inside > 0.5 * area, qPrintable(QStringLiteral("%1 of %2").arg(inside).arg(area)));
        // Right of everything drawn, only background.
        QCOMPARE(differing(image, bg, QRectF(250, 10, 140, 280), host->devicePixelRatioF()), 0);
        QVERIFY(host->lastFrameMilliseconds() > 0);
    }

    void clickIsSeenByImGui()
    {
        auto host = shown();
        const QPointF centre = host->button.center();
        // Press and release without a frame between: the host still shows ImGui both.
        send(host.get(), QEvent::MouseButtonPress, centre);
        send(host.get(), QEvent::MouseButtonRelease, centre);
        QTRY_COMPARE(host->clicks, 1);
        // A press outside, released on the button, is not a click.
        send(host.get(), QEvent::MouseMove, QPointF(300, 250));
        send(host.get(), QEvent::MouseButtonPress, QPointF(300, 250));
        settle(*host);
        send(host.get(), QEvent::MouseButtonRelease, centre);
        settle(*host);
        QCOMPARE(host->clicks, 1);
    }

    void doubleClickIsSeenByImGui()
    {
        // What Qt sends for a double click: press, release, double-click, release.
        auto host = shown();
        const QPointF centre = host->button.center();
        send(host.get(), QEvent::MouseButtonPress, centre);
        send(host.get(), QEvent::MouseButtonRelease, centre);
        send(host.get(), QEvent::MouseButtonDblClick, centre);
        send(host.get(), QEvent::MouseButtonRelease, centre);
        QTRY_COMPARE(host->doubleClicks, 1);
        QCOMPARE(host->clicks, 2);
    }

    void keysAndTextReachAField()
    {
        auto host = shown();
        send(host.get(), QEvent::MouseButtonPress, host->field.center());
        send(host.get(), QEvent::MouseButtonRelease, host->field.center());
        settle(*host);
        QTest::keyClicks(host.get(), QStringLiteral("abc"));
        settle(*host);
        QTest::keyClick(host.get(), Qt::Key_Backspace);
        settle(*host);
        QCOMPARE(QByteArray(host->text), QByteArray("ab"));
    }

    void wheelScrolls()
    {
        auto host = shown();
        send(host.get(), QEvent::MouseMove, host->list.center());
        QWheelEvent wheel(host->list.center(), host->mapToGlobal(host->list.center()), {}, QPoint(0, -240),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(host.get(), &wheel);
        QTRY_VERIFY(host->listScroll > 0);
    }

    void idleWhenNotAnimating()
    {
        auto host = shown();
        const qint64 before = host->framesDrawn();
        QTest::qWait(500);
        QCOMPARE(host->framesDrawn(), before);
        host->requestFrame();
        QTRY_VERIFY(host->framesDrawn() > before);
    }

    // Animating, the host's clock asks for a frame every 30 ms (33 a second) and frames keep
    // coming; stopped, they stop. How many a second a machine reaches is a benchmark's figure
    // (bench_layers_dock), not asserted here: a loaded machine draws fewer.
    void animatesWhileAskedThenIdles()
    {
        auto host = shown();
        QVERIFY(host->animationInterval() <= 1000 / 30);
        host->setAnimating(true);
        const qint64 before = host->framesDrawn();
        QTRY_VERIFY_WITH_TIMEOUT(host->framesDrawn() >= before + 10, 10000);  // not one settle's few
        host->setAnimating(false);
        settle(*host);
        const qint64 stopped = host->framesDrawn();
        QTest::qWait(300);
        QCOMPARE(host->framesDrawn(), stopped);
    }

    void twoHostsKeepToTheirContexts()
    {
        QWidget window;
        auto* layout = new QVBoxLayout(&window);
        auto* a = new ButtonHost;
        auto* b = new ButtonHost;
        layout->addWidget(a);
        layout->addWidget(b);
        window.resize(400, 600);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(a->framesDrawn() > 0 && b->framesDrawn() > 0);
        settle(*a);
        settle(*b);
        QVERIFY(a->imguiContext() != b->imguiContext());
        send(b, QEvent::MouseButtonPress, b->button.center());
        send(b, QEvent::MouseButtonRelease, b->button.center());
        QTRY_COMPARE(b->clicks, 1);
        settle(*a);
        QCOMPARE(a->clicks, 0);
    }

    void survivesANewWindowAndDestruction()
    {
        // A floated dock moves its widget to another window: a new GL context, resources again.
        QWidget first, second;
        auto* host = new ButtonHost;
        host->setParent(&first);
        host->resize(300, 200);
        first.resize(300, 200);
        first.show();
        QVERIFY(QTest::qWaitForWindowExposed(&first));
        QTRY_VERIFY(host->framesDrawn() > 0);
        host->setParent(&second);
        host->show();
        second.resize(300, 200);
        second.show();
        QVERIFY(QTest::qWaitForWindowExposed(&second));
        const qint64 before = host->framesDrawn();
        host->requestFrame();
        QTRY_VERIFY(host->framesDrawn() > before);
        const QImage image = host->grabFramebuffer();
        QVERIFY(differing(image, host->palette().color(QPalette::Window), host->button, host->devicePixelRatioF()) > 0);
        host->setAnimating(true);
        QPointer<ButtonHost> guard(host);
        delete host; // while shown and animating
        QVERIFY(guard.isNull());
        QTest::qWait(100); // its timer must not fire into a dead widget
    }
};

NEURITE_GL_TEST_MAIN(TestImGuiHost)
#include "tst_imgui_host.moc"

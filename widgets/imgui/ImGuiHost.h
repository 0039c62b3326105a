#pragma once
// ImGuiHost: a widget that draws Dear ImGui (1.86). Subclasses override buildFrame() and issue
// ImGui calls there; the host does the platform's part, which ImGui leaves to its user:
//  - one ImGui context per host, made current around every use (several hosts may exist);
//  - drawing: ImGui's OpenGL 3 renderer (imgui_impl_opengl3, compiled from Debian's libimgui-dev)
//    into a framebuffer object of the host's own OpenGL context, read back and painted as an image.
//    Not a QOpenGLWidget: one of those switches its whole top-level window to OpenGL composition,
//    so every chart or progress update re-composes the window; with a software OpenGL (Mesa's
//    llvmpipe: remote desktops, virtual machines, Xvfb) that halved the training speed measured
//    in the window and put the window's input latency at 40 ms (bench_training_ui). Here only the
//    host's own pixels cost anything, and only when it draws;
//  - input: Qt's mouse, wheel, keys, text and focus events into ImGuiIO; clipboard; cursor shapes;
//  - a font from the system (DejaVu Sans, Noto Sans or Liberation Sans; ImGui's own otherwise),
//    rasterised at the screen's device pixel ratio so text stays sharp on HiDPI screens;
//  - colours from the widget's QPalette, so light and dark themes both fit;
//  - redraw policy: animating (≥ 30 frames a second) or idle (frames on input, resize and
//    requestFrame() only). ImGui 1.86 reads input as state once a frame, and answers it a frame
//    late, so input is queued and trickled in: a frame takes mouse moves, then at most one button
//    or key change, never a button in the frame the mouse moved (ImGui must see where the mouse is
//    first). A click shorter than a frame is never lost; each input is followed by a few frames;
//  - textures for ImGui::Image from QImages (texture()), freed when a frame stops using them.
// Where no OpenGL context can be made, the host paints a line saying so (openGlAvailable() tells
// beforehand). Thread: GUI thread only, like any widget.
#include <QElapsedTimer>
#include <QHash>
#include <QImage>
#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>
#include <cfloat>
#include <imgui.h>
#include <memory>

class QDockWidget;
class QOffscreenSurface;
class QOpenGLContext;
class QOpenGLFramebufferObject;

class ImGuiHost : public QWidget {
    Q_OBJECT
public:
    explicit ImGuiHost(QWidget* parent = nullptr);
    ~ImGuiHost() override;

    // Redraw policy
    void setAnimating(bool animating);              // true: redraw at ≥ 30 frames a second
    bool isAnimating() const { return animating_; }
    bool isTicking() const { return timer_.isActive(); }   // animating, and seen: in a dock's chosen tab
    int animationInterval() const { return timer_.interval(); }  // ms between animated frames
    void requestFrame();                            // idle: draw again (the data changed)

    // Measurements (for benchmarks and tests)
    double lastFrameMilliseconds() const { return lastFrameMs_; }  // build, draw and read back
    qint64 framesDrawn() const { return frames_; }

    // Draws a frame now and returns it (what the widget shows; for tests and screenshots).
    QImage grabFramebuffer();
    // Whether this display offers OpenGL ≥ 3 contexts (Qt's offscreen and minimal platforms do not).
    static bool openGlAvailable();

    ImGuiContext* imguiContext() const { return context_; }
    ImFont* headingFont() const;                    // bold, a little larger; for buildFrame()

protected:
    // Called inside drawFrame() between ImGui::NewFrame() and ImGui::Render(), with this host's
    // context current, inside a borderless window that fills the widget (no scrollbar: scrolling
    // content goes into a child window or a table).
    virtual void buildFrame() = 0;

    // A texture showing `image` for ImGui::Image, valid during buildFrame() only. Uploaded again
    // when the image changes (QImage::cacheKey); freed after a frame that did not ask for `name`.
    enum class Filter { Nearest, Linear };          // Nearest: pixels stay crisp when enlarged
    ImTextureID texture(const QString& name, const QImage& image, Filter filter = Filter::Nearest);

    // QWidget
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

    // Input into ImGui
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void leaveEvent(QEvent* event) override;
    bool focusNextPrevChild(bool next) override;    // Tab goes to ImGui while it edits text
    void changeEvent(QEvent* event) override;       // palette and font changes
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    struct Texture {
        unsigned id = 0;                            // GL name
        qint64 cacheKey = 0;
        Filter filter = Filter::Nearest;
        bool used = false;                          // asked for during this frame
    };

    bool makeCurrent();                             // makes the GL context on first use; false: none
    void releaseGL();                               // renderer, textures, framebuffer; context current
    bool drawFrame();                               // ImGui's frame into frame_; false: no OpenGL
    void applyPalette();
    void buildFonts();                              // at the current device pixel ratio
    void settle(int frames = 3);                    // input came: draw a few frames
    // Input waiting for a frame (see the top of this file).
    struct InputEvent {
        enum Kind { Move, Wheel, Button, Key } kind = Move;
        ImVec2 pos;                                 // Move, Wheel, Button: where the mouse is
        int index = 0;                              // Button: 0–4; Key: io.KeysDown's index or −1
        bool down = false;
        ImVec2 wheel;                               // Wheel: notches (horizontal, vertical)
        QByteArray text;                            // Key: the text it types (UTF-8)
        static InputEvent mouse(Kind kind, ImVec2 pos, int button = 0, bool down = false);
        static InputEvent key(int index, bool down, QByteArray text = {});
    };
    void enqueue(InputEvent event);
    void applyInput();                              // before NewFrame: what this frame may take
    void updateTimer();
    void updateCursor();
    void dropUnusedTextures();

    ImGuiContext* context_ = nullptr;
    std::unique_ptr<QOpenGLContext> gl_;
    std::unique_ptr<QOffscreenSurface> surface_;
    std::unique_ptr<QOpenGLFramebufferObject> framebuffer_;  // device pixels of the widget
    QImage frame_;                                  // the last frame drawn, as painted
    bool glFailed_ = false;                         // no context could be made: say so, once
    bool glReady_ = false;                          // the renderer is initialised
    bool paletteDirty_ = true;
    qreal fontScale_ = 0;                           // device pixel ratio the fonts were built at
    bool animating_ = false;
    int settleFrames_ = 0;
    ImGuiMouseCursor cursor_ = ImGuiMouseCursor_Arrow;  // the shape set on the widget
    QTimer timer_;                                  // the animation's clock; runs only while on screen
    QPointer<QDockWidget> dock_;                    // the dock that holds it, whose tab it follows
    QElapsedTimer clock_;                           // ImGui's DeltaTime
    qint64 lastFrameNs_ = 0;
    double lastFrameMs_ = 0;
    qint64 frames_ = 0;
    QList<InputEvent> input_;
    ImVec2 mousePos_{-FLT_MAX, -FLT_MAX};           // as given to ImGui (which floors its copy)
    QHash<QString, Texture> textures_;
    QByteArray clipboard_;                          // ImGui keeps the pointer until the next call
};

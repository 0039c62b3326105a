#include "widgets/imgui/ImGuiHost.h"
#include "widgets/OnScreen.h"

#include <imgui_impl_opengl3.h>

#include <QClipboard>
#include <QFile>
#include <QFontInfo>
#include <QGuiApplication>
#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFramebufferObject>
#include <QOpenGLFunctions>
#include <QPainter>
#include <QStyleHints>
#include <QWheelEvent>
#include <algorithm>
#include <array>
#include <cfloat>

// Index
// [SECTION] Helpers: context guard, keys, buttons, fonts
// [SECTION] Life and GL resources
// [SECTION] Frames
// [SECTION] Input
// [SECTION] Style

// ------------------------------------------------------------------------------------------------
// [SECTION] Helpers: context guard, keys, buttons, fonts
// ------------------------------------------------------------------------------------------------
namespace {

// Makes a host's ImGui context current for a scope; every entry point of the host opens one, so
// two hosts never draw into each other's context.
class ContextScope {
public:
    explicit ContextScope(ImGuiContext* context) : previous_(ImGui::GetCurrentContext())
    {
        ImGui::SetCurrentContext(context);
    }
    ~ContextScope() { ImGui::SetCurrentContext(previous_); }
    ContextScope(const ContextScope&) = delete;
    ContextScope& operator=(const ContextScope&) = delete;

private:
    ImGuiContext* previous_;
};

// io.KeysDown[512] is indexed by our own key numbers: Latin-1 keys by their Qt code (< 256),
// Qt's special keys (0x01000000 + n, n < 256) at 256 + n.
int keyIndex(int qtKey)
{
    if (qtKey >= 0 && qtKey < 256)
        return qtKey;
    if ((qtKey & 0xffffff00) == 0x01000000)
        return 256 + (qtKey & 0xff);
    return -1;
}

void mapKeys(ImGuiIO& io)
{
    const std::pair<ImGuiKey, int> keys[] = {{ImGuiKey_Tab, Qt::Key_Tab},
                                             {ImGuiKey_LeftArrow, Qt::Key_Left},
                                             {ImGuiKey_RightArrow, Qt::Key_Right},
                                             {ImGuiKey_UpArrow, Qt::Key_Up},
                                             {ImGuiKey_DownArrow, Qt::Key_Down},
                                             {ImGuiKey_PageUp, Qt::Key_PageUp},
                                             {ImGuiKey_PageDown, Qt::Key_PageDown},
                                             {ImGuiKey_Home, Qt::Key_Home},
                                             {ImGuiKey_End, Qt::Key_End},
                                             {ImGuiKey_Insert, Qt::Key_Insert},
                                             {ImGuiKey_Delete, Qt::Key_Delete},
                                             {ImGuiKey_Backspace, Qt::Key_Backspace},
                                             {ImGuiKey_Space, Qt::Key_Space},
                                             {ImGuiKey_Enter, Qt::Key_Return},
                                             {ImGuiKey_Escape, Qt::Key_Escape},
                                             {ImGuiKey_KeyPadEnter, Qt::Key_Enter},
                                             {ImGuiKey_A, Qt::Key_A},
                                             {ImGuiKey_C, Qt::Key_C},
                                             {ImGuiKey_V, Qt::Key_V},
                                             {ImGuiKey_X, Qt::Key_X},
                                             {ImGuiKey_Y, Qt::Key_Y},
                                             {ImGuiKey_Z, Qt::Key_Z}};
    for (auto [imguiKey, qtKey] : keys)
        io.KeyMap[imguiKey] = keyIndex(qtKey);
}

void setModifiers(ImGuiIO& io, Qt::KeyboardModifiers m)
{
    io.KeyCtrl = m & Qt::ControlModifier;
    io.KeyShift = m & Qt::ShiftModifier;
    io.KeyAlt = m & Qt::AltModifier;
    io.KeySuper = m & Qt::MetaModifier;
}

int buttonIndex(Qt::MouseButton button)
{
    switch (button) {
    case Qt::LeftButton:
        return 0;
    case Qt::RightButton:
        return 1;
    case Qt::MiddleButton:
        return 2;
    case Qt::BackButton:
        return 3;
    case Qt::ForwardButton:
        return 4;
    default:
        return -1;
    }
}

// The first of these the system has; Debian always has DejaVu (fontconfig depends on it).
QString systemFontFile(bool bold)
{
    const char* regular[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                             "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
                             "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"};
    const char* heavy[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                           "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
                           "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"};
    for (const char* path : bold ? heavy : regular)
        if (QFile::exists(QString::fromLatin1(path)))
            return QString::fromLatin1(path);
    return {};
}

// Latin-1 and Latin Extended, plus the symbols numbers and their explanations use.
const ImWchar* glyphRanges()
{
    static ImVector<ImWchar> ranges = [] {
        ImFontGlyphRangesBuilder builder;
        builder.AddRanges(ImGui::GetIO().Fonts->GetGlyphRangesDefault());
        builder.AddRanges(std::array<ImWchar, 3>{0x0100, 0x017F, 0}.data()); // Latin Extended-A
        builder.AddText("·±×÷−√Σσμαβγδλ∆Δ‖≈≠≤≥∞…→←↑↓▲▼●○■□⚠✓✗₀₁₂₃₄₅₆₇₈₉⁰¹²³⁻");
        ImVector<ImWchar> built;
        builder.BuildRanges(&built);
        return built;
    }();
    return ranges.Data;
}

} // namespace

// ------------------------------------------------------------------------------------------------
// [SECTION] Life and GL resources
// ------------------------------------------------------------------------------------------------
ImGuiHost::ImGuiHost(QWidget* parent) : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent);  // every pixel is the frame's
    setMouseTracking(true); // hover without a button held
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_InputMethodEnabled);
    setMinimumSize(64, 48);

    IMGUI_CHECKVERSION(); // the installed header matches the library
    ImGuiContext* previous = ImGui::GetCurrentContext();
    context_ = ImGui::CreateContext(); // with a font atlas of its own
    {
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr; // no imgui.ini in the working directory
        io.LogFilename = nullptr;
        io.BackendPlatformName = "neurite_qt";
        io.BackendFlags |= ImGuiBackendFlags_HasMouseCursors;
        io.MouseDoubleClickTime = float(QGuiApplication::styleHints()->mouseDoubleClickInterval()) / 1000.0f;
        io.ClipboardUserData = this;
        io.GetClipboardTextFn = [](void* user) -> const char* {
            auto* host = static_cast<ImGuiHost*>(user);
            host->clipboard_ = QGuiApplication::clipboard()->text().toUtf8();
            return host->clipboard_.constData();
        };
        io.SetClipboardTextFn = [](void*, const char* text) {
            QGuiApplication::clipboard()->setText(QString::fromUtf8(text));
        };
        mapKeys(io);
    }
    ImGui::SetCurrentContext(previous);

    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(30); // 33 frames a second: ≥ 30 with the timer's jitter
    connect(&timer_, &QTimer::timeout, this, [this] {
        if (isOnScreen(this))
            update();
        else
            timer_.stop();   // its dock's tab was left: the dock says when it is back (showEvent)
    });
    clock_.start();
}

ImGuiHost::~ImGuiHost()
{
    if (glReady_ && makeCurrent()) {
        releaseGL();
        gl_->doneCurrent();
    }
    ImGui::DestroyContext(context_);
}

bool ImGuiHost::openGlAvailable()
{
    const QString platform = QGuiApplication::platformName();
    if (platform == QLatin1String("offscreen") || platform == QLatin1String("minimal"))
        return false;
    QOpenGLContext probe;
    return probe.create() && probe.format().majorVersion() >= 3;
}

bool ImGuiHost::makeCurrent()
{
    if (glFailed_)
        return false;
    if (!gl_) {
        // The context is the host's own, made on its first frame; it stays when the widget moves
        // to another window (a dock floated), so nothing is made again then.
        if (!openGlAvailable()) {
            glFailed_ = true;
            return false;
        }
        gl_ = std::make_unique<QOpenGLContext>();
        surface_ = std::make_unique<QOffscreenSurface>();
        if (!gl_->create() || gl_->format().majorVersion() < 3) {
            glFailed_ = true;
            return false;
        }
        surface_->setFormat(gl_->format());
        surface_->create();
    }
    if (!gl_->makeCurrent(surface_.get())) {
        glFailed_ = true;
        return false;
    }
    if (!glReady_) {
        ContextScope scope(context_);
        ImGui_ImplOpenGL3_Init(nullptr); // GLSL 1.30: any desktop GL ≥ 3.0 context
        glReady_ = true;
        fontScale_ = 0; // the font texture is made in this context
    }
    return true;
}

void ImGuiHost::releaseGL()
{
    if (!glReady_)
        return;
    ContextScope scope(context_);
    QOpenGLFunctions* gl = QOpenGLContext::currentContext()->functions();
    for (const Texture& t : std::as_const(textures_))
        gl->glDeleteTextures(1, &t.id);
    textures_.clear();
    framebuffer_.reset();
    ImGui_ImplOpenGL3_Shutdown();
    glReady_ = false;
}

ImTextureID ImGuiHost::texture(const QString& name, const QImage& image, Filter filter)
{
    if (image.isNull() || !glReady_)
        return nullptr;
    QOpenGLFunctions* gl = QOpenGLContext::currentContext()->functions();
    Texture& t = textures_[name];
    t.used = true;
    if (t.id == 0)
        gl->glGenTextures(1, &t.id);
    if (t.cacheKey != image.cacheKey() || t.filter != filter) {
        const QImage rgba = image.convertToFormat(QImage::Format_RGBA8888); // rows of 4·w bytes
        const GLint f = filter == Filter::Nearest ? GL_NEAREST : GL_LINEAR;
        gl->glBindTexture(GL_TEXTURE_2D, t.id);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, f);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, f);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        gl->glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        gl->glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, rgba.width(), rgba.height(), 0, GL_RGBA, GL_UNSIGNED_BYTE,
                         rgba.constBits());
        gl->glBindTexture(GL_TEXTURE_2D, 0);
        t.cacheKey = image.cacheKey();
        t.filter = filter;
    }
    return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t.id));
}

void ImGuiHost::dropUnusedTextures()
{
    QOpenGLFunctions* gl = QOpenGLContext::currentContext()->functions();
    for (auto it = textures_.begin(); it != textures_.end();) {
        if (it->used) {
            it->used = false;
            ++it;
        } else {
            gl->glDeleteTextures(1, &it->id);
            it = textures_.erase(it);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// [SECTION] Frames
// ------------------------------------------------------------------------------------------------
void ImGuiHost::setAnimating(bool animating)
{
    animating_ = animating;
    updateTimer();
    update();
}

void ImGuiHost::requestFrame()
{
    settle(2); // ImGui lays out new content over two frames
}

void ImGuiHost::updateTimer()
{
    // A widget nobody sees (hidden, or in a dock behind another's tab) draws nothing: its clock
    // stops too, so that it does not wake the GUI thread 33 times a second for nothing.
    if (animating_ && isOnScreen(this))
        timer_.start();
    else
        timer_.stop();
}

void ImGuiHost::settle(int frames)
{
    settleFrames_ = std::max(settleFrames_, frames);
    update();
}

void ImGuiHost::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    settle(2);
}

void ImGuiHost::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    if (!drawFrame()) {
        painter.fillRect(rect(), palette().window());
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignTop | Qt::AlignLeft | Qt::TextWordWrap,
                         tr("This view draws with OpenGL 3, which this display does not offer."));
        return;
    }
    painter.drawImage(0, 0, frame_);
}

QImage ImGuiHost::grabFramebuffer()
{
    return drawFrame() ? frame_ : QImage();
}

bool ImGuiHost::drawFrame()
{
    QElapsedTimer cost;
    cost.start();
    if (!makeCurrent())
        return false;
    ContextScope scope(context_);
    ImGuiIO& io = ImGui::GetIO();
    if (paletteDirty_)
        applyPalette();
    const qreal ratio = devicePixelRatioF();
    if (fontScale_ != ratio)
        buildFonts();

    const qint64 now = clock_.nsecsElapsed();
    io.DeltaTime = std::max(1e-6f, float(now - lastFrameNs_) * 1e-9f);
    lastFrameNs_ = now;
    io.DisplaySize = ImVec2(float(width()), float(height()));
    io.DisplayFramebufferScale = ImVec2(float(ratio), float(ratio));

    applyInput();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0f);
    ImGui::Begin("##host", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImGui::PopStyleVar(2);
    buildFrame();
    ImGui::End();
    ImGui::Render();

    // Into the framebuffer (device pixels), then read back: rows come bottom-up, hence the mirror.
    const QSize pixels = (QSizeF(size()) * ratio).toSize().expandedTo(QSize(1, 1));
    if (!framebuffer_ || framebuffer_->size() != pixels)
        framebuffer_ = std::make_unique<QOpenGLFramebufferObject>(pixels);
    framebuffer_->bind();
    QOpenGLFunctions* gl = gl_->functions();
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    gl->glViewport(0, 0, pixels.width(), pixels.height());
    gl->glClearColor(bg.x, bg.y, bg.z, 1.0f);
    gl->glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    QImage image(pixels, QImage::Format_RGBX8888);   // opaque: the clear's alpha is 1, blending keeps it
    gl->glPixelStorei(GL_PACK_ALIGNMENT, 4);
    gl->glReadPixels(0, 0, pixels.width(), pixels.height(), GL_RGBA, GL_UNSIGNED_BYTE, image.bits());
    framebuffer_->release();
    dropUnusedTextures();
    gl_->doneCurrent();
    frame_ = std::move(image).mirrored();
    frame_.setDevicePixelRatio(ratio);
    updateCursor();

    if (!input_.isEmpty()) // more input for the next frames
        settleFrames_ = std::max(settleFrames_, 3);
    lastFrameMs_ = double(cost.nsecsElapsed()) / 1e6;
    ++frames_;
    if (settleFrames_ > 0) {
        --settleFrames_;
        // Queued: an update() from inside the paint could be merged into the one being served.
        QMetaObject::invokeMethod(this, qOverload<>(&QWidget::update), Qt::QueuedConnection);
    }
    return true;
}

void ImGuiHost::updateCursor()
{
    const ImGuiMouseCursor wanted = ImGui::GetMouseCursor();
    if (wanted == cursor_)
        return;
    cursor_ = wanted;
    switch (wanted) {
    case ImGuiMouseCursor_None:
        setCursor(Qt::BlankCursor);
        break;
    case ImGuiMouseCursor_TextInput:
        setCursor(Qt::IBeamCursor);
        break;
    case ImGuiMouseCursor_ResizeAll:
        setCursor(Qt::SizeAllCursor);
        break;
    case ImGuiMouseCursor_ResizeNS:
        setCursor(Qt::SizeVerCursor);
        break;
    case ImGuiMouseCursor_ResizeEW:
        setCursor(Qt::SizeHorCursor);
        break;
    case ImGuiMouseCursor_ResizeNESW:
        setCursor(Qt::SizeBDiagCursor);
        break;
    case ImGuiMouseCursor_ResizeNWSE:
        setCursor(Qt::SizeFDiagCursor);
        break;
    case ImGuiMouseCursor_Hand:
        setCursor(Qt::PointingHandCursor);
        break;
    case ImGuiMouseCursor_NotAllowed:
        setCursor(Qt::ForbiddenCursor);
        break;
    default:
        unsetCursor();
        break;
    }
}

void ImGuiHost::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    followDockVisibility(this, dock_, [this](bool) {
        updateTimer();
        update();
    });
    updateTimer();
}

void ImGuiHost::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    updateTimer();
}

// ------------------------------------------------------------------------------------------------
// [SECTION] Input
// ------------------------------------------------------------------------------------------------
ImGuiHost::InputEvent ImGuiHost::InputEvent::mouse(Kind kind, ImVec2 pos, int button, bool down)
{
    InputEvent e;
    e.kind = kind;
    e.pos = pos;
    e.index = button;
    e.down = down;
    return e;
}

ImGuiHost::InputEvent ImGuiHost::InputEvent::key(int index, bool down, QByteArray text)
{
    InputEvent e;
    e.kind = Key;
    e.index = index;
    e.down = down;
    e.text = std::move(text);
    return e;
}

void ImGuiHost::enqueue(InputEvent event)
{
    if (event.kind == InputEvent::Move && !input_.isEmpty() && input_.back().kind == InputEvent::Move)
        input_.back() = event; // moves in a row: the last one tells where the mouse is
    else
        input_.push_back(std::move(event));
    settle();
}

void ImGuiHost::applyInput()
{
    ImGuiIO& io = ImGui::GetIO();
    bool moved = false, changed = false; // this frame: the mouse moved, a button or key changed
    while (!input_.isEmpty()) {
        const InputEvent& e = input_.front();
        if (e.kind != InputEvent::Key && (e.pos.x != mousePos_.x || e.pos.y != mousePos_.y)) {
            if (changed)
                break; // a move after a change: the next frame
            io.MousePos = mousePos_ = e.pos;
            moved = true;
        }
        if (e.kind == InputEvent::Wheel) {
            io.MouseWheelH += e.wheel.x;
            io.MouseWheel += e.wheel.y;
        } else if (e.kind == InputEvent::Button || e.kind == InputEvent::Key) {
            if (changed || (e.kind == InputEvent::Button && moved))
                break;
            if (e.kind == InputEvent::Button)
                io.MouseDown[e.index] = e.down;
            else if (e.index >= 0)
                io.KeysDown[e.index] = e.down;
            if (!e.text.isEmpty())
                io.AddInputCharactersUTF8(e.text.constData());
            changed = true;
        }
        input_.pop_front();
    }
}

void ImGuiHost::mouseMoveEvent(QMouseEvent* event)
{
    ContextScope scope(context_);
    setModifiers(ImGui::GetIO(), event->modifiers());
    enqueue(InputEvent::mouse(InputEvent::Move, ImVec2(float(event->position().x()), float(event->position().y()))));
}

void ImGuiHost::mousePressEvent(QMouseEvent* event)
{
    ContextScope scope(context_);
    setModifiers(ImGui::GetIO(), event->modifiers());
    const ImVec2 at(float(event->position().x()), float(event->position().y()));
    if (const int b = buttonIndex(event->button()); b >= 0)
        enqueue(InputEvent::mouse(InputEvent::Button, at, b, true));
}

void ImGuiHost::mouseReleaseEvent(QMouseEvent* event)
{
    ContextScope scope(context_);
    setModifiers(ImGui::GetIO(), event->modifiers());
    const ImVec2 at(float(event->position().x()), float(event->position().y()));
    if (const int b = buttonIndex(event->button()); b >= 0)
        enqueue(InputEvent::mouse(InputEvent::Button, at, b, false));
}

void ImGuiHost::mouseDoubleClickEvent(QMouseEvent* event)
{
    // Qt sends press, release, double-click, release; ImGui finds double clicks itself from the
    // timing of its presses, so the double-click is the second press.
    mousePressEvent(event);
}

void ImGuiHost::wheelEvent(QWheelEvent* event)
{
    ContextScope scope(context_);
    setModifiers(ImGui::GetIO(), event->modifiers());
    InputEvent e =
        InputEvent::mouse(InputEvent::Wheel, ImVec2(float(event->position().x()), float(event->position().y())));
    e.wheel = ImVec2(float(event->angleDelta().x()) / 120.0f, float(event->angleDelta().y()) / 120.0f); // notches
    enqueue(std::move(e));
}

void ImGuiHost::keyPressEvent(QKeyEvent* event)
{
    ContextScope scope(context_);
    ImGuiIO& io = ImGui::GetIO();
    setModifiers(io, event->modifiers());
    InputEvent e = InputEvent::key(keyIndex(event->key()), true);
    const QString text = event->text();
    if (!text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) { return c.isPrint(); }))
        e.text = text.toUtf8();
    if (event->isAutoRepeat())
        e.index = -1; // held: ImGui repeats keys itself; the text still counts
    if (e.index >= 0 || !e.text.isEmpty())
        enqueue(std::move(e));
    // Keys ImGui does not want (no text being edited) go on to the window: its shortcuts work here.
    event->setAccepted(io.WantCaptureKeyboard);
}

void ImGuiHost::keyReleaseEvent(QKeyEvent* event)
{
    ContextScope scope(context_);
    ImGuiIO& io = ImGui::GetIO();
    setModifiers(io, event->modifiers());
    if (const int k = keyIndex(event->key()); k >= 0 && !event->isAutoRepeat())
        enqueue(InputEvent::key(k, false));
    event->setAccepted(io.WantCaptureKeyboard);
}

void ImGuiHost::focusInEvent(QFocusEvent* event)
{
    QWidget::focusInEvent(event);
    ContextScope scope(context_);
    ImGui::GetIO().AddFocusEvent(true);
    settle();
}

void ImGuiHost::focusOutEvent(QFocusEvent* event)
{
    QWidget::focusOutEvent(event);
    ContextScope scope(context_);
    ImGuiIO& io = ImGui::GetIO();
    io.AddFocusEvent(false);
    std::fill(std::begin(io.KeysDown), std::end(io.KeysDown), false); // releases go elsewhere now
    input_.removeIf([](const InputEvent& e) { return e.kind == InputEvent::Key; });
    setModifiers(io, {});
    settle();
}

void ImGuiHost::leaveEvent(QEvent* event)
{
    QWidget::leaveEvent(event);
    enqueue(InputEvent::mouse(InputEvent::Move, ImVec2(-FLT_MAX, -FLT_MAX))); // ImGui's "no mouse"
}

bool ImGuiHost::focusNextPrevChild(bool next)
{
    ContextScope scope(context_);
    if (ImGui::GetIO().WantTextInput)
        return false; // Tab then reaches keyPressEvent
    return QWidget::focusNextPrevChild(next);
}

// ------------------------------------------------------------------------------------------------
// [SECTION] Style
// ------------------------------------------------------------------------------------------------
void ImGuiHost::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        paletteDirty_ = true;
        update();
    } else if (event->type() == QEvent::FontChange) {
        fontScale_ = 0;
        update();
    }
}

void ImGuiHost::buildFonts()
{
    ImGuiIO& io = ImGui::GetIO();
    const qreal ratio = devicePixelRatioF();
    // The widget's font size, in logical pixels; rasterised at the physical size, drawn scaled back.
    const float size = float(std::max(13, QFontInfo(font()).pixelSize() + 1));
    io.Fonts->Clear();
    const auto add = [&](bool bold, float scale) {
        const QByteArray file = systemFontFile(bold).toLocal8Bit();
        ImFontConfig config;
        config.OversampleH = 2;
        if (file.isEmpty()) {
            config.SizePixels = 13.0f * float(ratio) * scale;
            return io.Fonts->AddFontDefault(&config);
        }
        return io.Fonts->AddFontFromFileTTF(file.constData(), size * scale * float(ratio), &config, glyphRanges());
    };
    add(false, 1.0f); // index 0: ImGui's default font
    add(true, 1.15f); // index 1: headings (headingFont())
    io.FontGlobalScale = float(1.0 / ratio);
    if (glReady_) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
    }
    fontScale_ = ratio;
}

ImFont* ImGuiHost::headingFont() const
{
    ContextScope scope(context_);
    const ImVector<ImFont*>& fonts = ImGui::GetIO().Fonts->Fonts;
    return fonts.Size > 1 ? fonts[1] : nullptr;
}

void ImGuiHost::applyPalette()
{
    const QPalette p = palette();
    ImGuiStyle& style = ImGui::GetStyle();
    style = ImGuiStyle();
    const bool dark = p.color(QPalette::Window).lightness() < 128;
    if (dark)
        ImGui::StyleColorsDark(&style);
    else
        ImGui::StyleColorsLight(&style);
    const auto c = [](QColor q, float alpha = 1.0f) { return ImVec4(q.redF(), q.greenF(), q.blueF(), alpha); };
    const QColor highlight = p.color(QPalette::Highlight);
    ImVec4* colours = style.Colors;
    colours[ImGuiCol_WindowBg] = c(p.color(QPalette::Window));
    colours[ImGuiCol_ChildBg] = c(p.color(QPalette::Window), 0.0f);
    colours[ImGuiCol_PopupBg] = c(p.color(QPalette::ToolTipBase), 0.97f);
    colours[ImGuiCol_Text] = c(p.color(QPalette::WindowText));
    colours[ImGuiCol_TextDisabled] = c(p.color(QPalette::PlaceholderText));
    colours[ImGuiCol_Border] = c(p.color(QPalette::Mid), 0.6f);
    colours[ImGuiCol_FrameBg] = c(p.color(QPalette::Base));
    // Qt's buttons have a bevel; ImGui's are flat: a shade off the window and a border instead.
    colours[ImGuiCol_Button] = c(dark ? p.color(QPalette::Button).lighter(135) : p.color(QPalette::Button).darker(110));
    colours[ImGuiCol_ButtonHovered] = c(highlight, 0.35f);
    colours[ImGuiCol_ButtonActive] = c(highlight, 0.6f);
    colours[ImGuiCol_Header] = c(highlight, 0.30f);
    colours[ImGuiCol_HeaderHovered] = c(highlight, 0.16f);
    colours[ImGuiCol_HeaderActive] = c(highlight, 0.45f);
    colours[ImGuiCol_CheckMark] = c(highlight);
    colours[ImGuiCol_TableHeaderBg] = c(p.color(QPalette::AlternateBase));
    colours[ImGuiCol_TableRowBgAlt] = c(p.color(QPalette::AlternateBase), 0.45f);
    colours[ImGuiCol_TableBorderLight] = c(p.color(QPalette::Mid), 0.35f);
    colours[ImGuiCol_TableBorderStrong] = c(p.color(QPalette::Mid), 0.7f);
    colours[ImGuiCol_Tab] = c(p.color(QPalette::Button));
    colours[ImGuiCol_TabHovered] = c(highlight, 0.35f);
    colours[ImGuiCol_TabActive] = c(highlight, 0.55f);
    colours[ImGuiCol_PlotLines] = c(highlight);
    style.FrameRounding = 3.0f;
    style.FrameBorderSize = 1.0f;
    style.ChildRounding = 3.0f;
    style.PopupRounding = 3.0f;
    style.TabRounding = 3.0f;
    style.WindowPadding = ImVec2(8, 6);
    style.FramePadding = ImVec2(6, 3);
    style.ItemSpacing = ImVec2(8, 4);
    style.CellPadding = ImVec2(6, 3);
    paletteDirty_ = false;
}

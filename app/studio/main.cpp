// neurite-studio: design networks by drag and drop (issue 5), on the engine of `neurite`.
//   neurite-studio [model.json]
//   neurite-studio --screenshot out.png [model.json]   save the window once shown, print the
//                                                      time from launch to shown, and quit
#include "app/studio/MainWindow.h"
#include "app/studio/Theme.h"
#include "engine/backends/Registry.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv)
{
    QElapsedTimer sinceLaunch;
    sinceLaunch.start();
    neurite::prepareProcessForBackends(argv);  // without it, training in the window runs ~20% slower
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Neurite Studio"));
    QApplication::setOrganizationName(QStringLiteral("Neurite"));
    QApplication::setApplicationVersion(QStringLiteral(NEURITE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("neurite-studio"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/neurite-studio.svg")));

    QCommandLineParser args;
    args.setApplicationDescription(QStringLiteral("Neurite Studio: design, train, compare and export neural networks."));
    args.addHelpOption();
    args.addVersionOption();
    args.addPositionalArgument(QStringLiteral("model"), QStringLiteral("A model file (.json) to open."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the window to <file> once shown, print the start-up time, quit."),
                                        QStringLiteral("file"));
    args.addOption(screenshot);
    args.process(app);

    applyTheme(StudioSettings().theme());
    MainWindow window;
    if (!args.positionalArguments().isEmpty())
        window.openFile(args.positionalArguments().first());  // a failure shows in the window
    window.show();

    if (args.isSet(screenshot)) {
        QTimer::singleShot(0, &window, [&] {
            // From the first start when the program restarted itself (OpenMpSpin.h).
            double ms = sinceLaunch.nsecsElapsed() / 1e6;
            if (const char* launched = std::getenv("NEURITE_LAUNCHED_NS")) {
                timespec now{};
                clock_gettime(CLOCK_MONOTONIC, &now);
                ms = double(now.tv_sec * 1000000000LL + now.tv_nsec - std::atoll(launched)) / 1e6;
            }
            std::printf("neurite-studio: window shown %.0f ms after launch\n", ms);
            std::fflush(stdout);
            QTimer::singleShot(500, &window, [&] {
                const bool saved = window.grab().save(args.value(screenshot));
                window.document()->undoStack()->setClean();
                QApplication::exit(saved ? 0 : 1);
            });
        });
    }
    return app.exec();
}

#pragma once
// main() for the tests that draw with OpenGL under xvfb-run (QTEST_MAIN's, plus one thing). Under
// AddressSanitizer the leak check runs when the tests are done, while the application and the
// libraries it loaded are still there: Mesa's driver and Qt's platform plugins are unloaded at
// exit, and LeakSanitizer cannot then name (nor installer/lsan.supp suppress) what they keep for
// the process's life. Our own objects are all gone by then, so our leaks are still caught.
#include <QApplication>
#include <QtTest>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define NEURITE_LEAK_CHECK_NOW() __lsan_do_leak_check()
#else
#define NEURITE_LEAK_CHECK_NOW() (void)0
#endif

#define NEURITE_GL_TEST_MAIN(TestObject)                                                                               \
    int main(int argc, char** argv)                                                                                    \
    {                                                                                                                  \
        QApplication app(argc, argv);                                                                                  \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                                       \
        int failed = 0;                                                                                                \
        {                                                                                                              \
            TestObject test;                                                                                           \
            QTEST_SET_MAIN_SOURCE_PATH                                                                                 \
            failed = QTest::qExec(&test, argc, argv);                                                                  \
        }                                                                                                              \
        NEURITE_LEAK_CHECK_NOW();                                                                                      \
        return failed;                                                                                                 \
    }

// The GUI entry point: one window on the lesson.
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AttnLab"));
    QApplication::setApplicationName(QStringLiteral("AttnLab"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNLAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Train a small attention model live and watch it."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        {QStringLiteral("lesson"),
         QApplication::translate("main", "Open on the lesson (the Single head page), whatever "
                                         "page was shown when AttnLab last closed.")});
    parser.addOption(
        {QStringLiteral("transformer"),
         QApplication::translate("main", "Open on the Transformer page: a causal and an "
                                         "unmasked model side by side.")});
    parser.addOption({QStringLiteral("vit"),
                      QApplication::translate("main", "Open on the Vision Transformer page.")});
    parser.addOption({QStringLiteral("train"),
                      QApplication::translate("main", "Start training the page shown.")});
    parser.addOption(
        {QStringLiteral("device"),
         QApplication::translate("main", "Where the Vision Transformer trains: auto (a GPU when "
                                         "one can be used, the default), cpu or gpu."),
         QStringLiteral("DEVICE"), QStringLiteral("auto")});
    parser.process(app);
    const QString device = parser.value(QStringLiteral("device"));
    if (device != QLatin1String("auto") && device != QLatin1String("cpu") &&
        device != QLatin1String("gpu")) {
        std::fprintf(stderr, "attnlab: the device \"%s\" is unknown: use auto, cpu or gpu\n",
                     qPrintable(device));
        return 2;
    }

    // The window opens on the page shown when it last closed; a page asked for here wins.
    MainWindow window(nullptr, device.toStdString());
    if (parser.isSet(QStringLiteral("lesson"))) {
        window.showLessonPage();
    }
    if (parser.isSet(QStringLiteral("transformer"))) {
        window.showTransformerPage();
    }
    if (parser.isSet(QStringLiteral("vit"))) {
        window.showVitPage();
    }
    window.show();
    if (parser.isSet(QStringLiteral("train"))) {
        window.trainShownPage();
    }
    return app.exec();
}

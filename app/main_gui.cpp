// The GUI entry point: one window on the lesson.
#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

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
    parser.addOption({QStringLiteral("lesson"),
                      QApplication::translate("main", "Open on the lesson (the default).")});
    parser.addOption(
        {QStringLiteral("transformer"),
         QApplication::translate("main", "Open on the Transformer page: a causal and an "
                                         "unmasked model side by side.")});
    parser.addOption({QStringLiteral("vit"),
                      QApplication::translate("main", "Open on the Vision Transformer page.")});
    parser.addOption({QStringLiteral("train"),
                      QApplication::translate("main", "Start training the page shown.")});
    parser.process(app);

    MainWindow window(nullptr);
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

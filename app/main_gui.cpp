// The GUI entry point: one window on the lesson.
#include "mainwindow.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AttnLab"));
    QApplication::setApplicationName(QStringLiteral("AttnLab"));
    MainWindow window(nullptr);
    window.show();
    return app.exec();
}

// attnlab-cli vit: trains the Vision Transformer on Fashion-MNIST and prints, after each
// epoch, the time it took, images per second, the training loss and the test loss and
// accuracy; at the end the confusion matrix and a RESULT line for scripts.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

class QCommandLineParser;

namespace cli {

// --data, --patch, --limit, --test-limit.
QList<QCommandLineOption> vitOptions();
QStringList vitOnlyOptions();
// Options of the transformer command that the vit command does not take.
QStringList textOnlyOptions();
// Returns the exit status.
int vitCommand(const QCommandLineParser& p);

} // namespace cli

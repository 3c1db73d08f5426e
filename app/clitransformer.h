// attnlab-cli transformer: trains the transformer of the Transformer page on a preset or a
// file of sentences, with one objective, and prints its losses, predictions and attention.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

class QCommandLineParser;

namespace cli {

// --preset, --objective, --layers, --heads, --embed, --mlp-width, --batch, --dropout,
// --mask-fraction, --no-mlp, --no-layer-norm.
QList<QCommandLineOption> transformerOptions();
// Their names, which the other commands refuse.
QStringList transformerOnlyOptions();
// Options of the other commands that the transformer command refuses.
QStringList toyOnlyOptions();
// Returns the exit status.
int transformerCommand(const QCommandLineParser& p);

} // namespace cli

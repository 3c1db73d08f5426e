// attnlab-cli export: trains a model as the train command does (or leaves it untrained with
// --epochs 0), then writes what the window's views show, without a display, into --out DIR:
//
//   sentence<N>-<view>.<ext>   N from 1; view attention, values, predictions, queries, keys
//                              or bigram; ext png, svg, pdf (the figure as the screen draws
//                              it, SentenceHeatmaps::forSentence), csv or npy (+ .npy.json)
//   loss.<ext>                 the loss curve as the window's LossChart draws it; loss.csv
//                              is "epoch,loss" with every epoch, loss.npy the losses as a
//                              1-D float32 array
//
// Every option is checked, and the folder created and tried with a temporary file, before
// training starts: a wrong option or a folder that cannot be written costs no training time
// and writes nothing. One line per file written goes to stdout.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

class QCommandLineParser;

namespace cli {

// --sentence, --views, --formats, --out, --width, --height, --dpi.
QList<QCommandLineOption> exportOptions();
// The names of exportOptions(), which the train command refuses.
QStringList exportOnlyOptions();
// Needs a QApplication (the loss chart is a Qt Charts chart). Returns the exit status; throws
// attnlab::InputError or UsageError.
int exportCommand(const QCommandLineParser& p);

} // namespace cli

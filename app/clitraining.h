// What the commands of attnlab-cli share: the options that choose and train a model, reading
// them into a corpus, a configuration and a trainer, and training with progress lines.
//
// Errors: input that is wrong (a file, a setting) throws attnlab::InputError (exit 1); options
// that do not go together throw UsageError (exit 2). Nothing here exits.
#pragma once

#include <device.h>
#include <matrix.h>
#include <trainer.h>

#include <QCommandLineOption>
#include <QList>
#include <QString>
#include <QStringList>

#include <stdexcept>
#include <string>
#include <vector>

class QCommandLineParser;

namespace cli {

// The process exit status, as --help documents it.
enum Exit
{
    Success = 0,
    BadInput = 1,
    BadUsage = 2,
    Diverged = 3
};

struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

// --lesson, --corpus, --init, --head-size, --learning-rate, --epochs, --seed, --context,
// --no-mask, --no-skip, --output, --log-every, --device, --load-session, --save-session,
// --save-every.
QList<QCommandLineOption> trainingOptions();

// The option's value as a whole number or a number; `fallback` when it is not given.
long integerOption(const QCommandLineParser& p, const QString& name, long fallback);
double numberOption(const QCommandLineParser& p, const QString& name, double fallback);
// Throws UsageError when one of `names` is given to `command`, which does not take it.
void refuseOptions(const QCommandLineParser& p, const QStringList& names, const QString& command);

// The device --device asks for (auto when not given), with a session on the GPU when one is
// used. Throws attnlab::InputError for a word other than auto, cpu or gpu.
attnlab::TrainingDevice deviceFrom(const QCommandLineParser& p);

// Moves the trainer (ToyTrainer, TextTrainer or VitTrainer) to the GPU that `device` opened,
// if any; where it trains. A model the GPU cannot take stays on the CPU, with a note that
// says why.
template <typename Trainer>
attnlab::DeviceReport placed(Trainer& trainer, const attnlab::TrainingDevice& device)
{
    if (device.session) {
        try {
            trainer.trainOn(device.session);
        } catch (const std::exception& error) {
            attnlab::DeviceReport cpu = attnlab::chooseDevice("cpu");
            cpu.note = std::string("the GPU cannot take this model: ") + error.what() +
                       "; computing on the CPU";
            return cpu;
        }
    }
    return device.report;
}

// "device …" on standard output, and the note, if any, on standard error.
void printDevice(const attnlab::DeviceReport& device);

// The sentences of --corpus FILE, or the lesson (--lesson or neither). Throws UsageError when
// both are given and attnlab::InputError when the file is refused.
attnlab::Corpus loadCorpus(const QCommandLineParser& p);

// A model as the options ask for it, before training.
struct Training
{
    attnlab::DeviceReport device;
    attnlab::ToyTrainer trainer;
    int epochs = 0;       // the epochs to train; 0 only where an untrained model was allowed
    long logEvery = 0;    // print the mean loss every so many epochs; 0: never
    std::string savePath; // --save-session: where the session is saved; empty: nowhere
    long saveEvery = 0;   // --save-every: also save every so many epochs; 0: only at the end
};

// With allowUntrained, --epochs 0 asks for the model as initialized (no training).
Training setUpTraining(const QCommandLineParser& p, bool allowUntrained);
// Prints the settings, then trains, printing the mean loss every --log-every epochs and the
// time per step at the end; saves the session where --save-session asks.
void runTraining(Training& training);
// A matrix as a table with two decimals, labelled rows and columns.
void printTable(const attnlab::Matrix& m, const std::vector<std::string>& rows,
                const std::vector<std::string>& cols);
// "a b c".
std::string joined(const std::vector<std::string>& words);

} // namespace cli

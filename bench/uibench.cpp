// attnlab-uibench: does the UI keep up while a model trains at full speed?
//
// The targets (from the project's issue): while training at full speed, a UI frame's p99 at most
// 16 ms, heatmaps refreshed at least 30 times a second, Pause effective within one display frame
// (16.7 ms at 60 Hz). For each scenario the program opens the main window, starts training that
// cannot end within the run, lets it settle for kSettleMs, then records for --seconds:
//   (a) the Single head tab, the lesson at pace 0 ("as fast as possible"), 100 000 000 epochs;
//   (b) the Transformer tab, the agreement preset, L = 2, N = 4, E = H = 32, batch 8, the most
//       epochs the page takes;
//   (c) the Vision Transformer tab on Fashion-MNIST, the most epochs the page takes (skipped,
//       with the reason, when the data set is not installed).
//
// What is measured, all on the UI thread and all from one monotonic clock (QElapsedTimer):
//   refresh   the time between successive frameChanged() of the page's controller, and their
//             number per second.
//   frame     the UI thread's work for one refresh: the event in which the controller emitted
//             frameChanged() (its poll timer's; the page's slot renders the heatmaps into images
//             and updates the charts there: "slot"), plus every event the UI thread handled
//             after it and before the next refresh: those in which widgets painted ("repaint":
//             an UpdateRequest, or a queued call that repaints at once, as Qt Charts' scene
//             does) and the rest ("other": layout requests, other timers). The frame is this sum
//             of wall times; the probe timer below is left out. The UI thread's CPU time in the
//             same events is given beside it: where the wall time is much longer, the thread
//             was waiting for a core (the trainer's thread holds one).
//   paint     every QEvent::Paint, by view (a HeatmapView, LossChart, PatchOverlayView or
//             ImageGallery, with all the widgets inside it; other widgets by class); also the
//             repaint passes per refresh, the Resize events (a layout pass that moved widgets)
//             and the changes of the main window's size hints.
//   loop      the actual intervals of a 1 ms precise QTimer: how long an input event could wait.
//   pause     pause() until latest()->running is false (the worker published a paused frame),
//             busy-waiting on latest() so that the poll interval does not count; repeated
//             kPauseRepeats times after kPauseWarmupMs of training. Also reported: until the
//             page's slot has run with that frame ("shown").
//
// Every event the UI thread handles passes through QApplication::notify(), so
// TimingApplication::notify() reads the clock before and after it: the exact time from the
// start to the end of each event, nested ones (the Paint events inside an UpdateRequest)
// included. An event filter would see only the start of an event, not its end.
//
// Painting is not forced. The offscreen platform paints like a screen does: a shown window is
// exposed, update() posts an UpdateRequest, and each dirty widget gets a Paint event that draws
// into the backing store, a QImage, as the raster backing store on X11 or Wayland does. Only the
// copy to the display server is missing. So the views repaint exactly when and where they
// would on a screen; the paint count printed per view shows that they do. Qt's offscreen screen
// is 800×600 unless configured: the program gives it 1920×1080 at 96 dpi (when it sets
// QT_QPA_PLATFORM itself), so that the window opens at its default 1400×900.
//
// Percentiles are nearest-rank. The figures depend on the machine and on what else runs on it:
// the header says how many cores there are and the load average.
#include "comparisoncontroller.h"
#include "heatmapview.h"
#include "mainwindow.h"
#include "trainingcontroller.h"
#include "transformerpage.h"
#include "vitcontroller.h"
#include "vitpage.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

constexpr double kFrameTargetMs = 16.0;         // p99 of the UI work per refresh
constexpr double kRefreshTarget = 30.0;         // refreshes per second, at least
constexpr double kDisplayFrameMs = 1000.0 / 60; // Pause answers within this
constexpr int kSettleMs = 500;                  // training before recording
constexpr int kPauseRepeats = 20;
constexpr int kPauseWarmupMs = 200;
constexpr int kPauseTimeoutMs = 2000;
constexpr int kLessonEpochs = 100000000; // never reached within a run
const QString kFashionMnist = QStringLiteral("/usr/share/datasets/fashion-mnist");

// Milliseconds since the first call, from one monotonic clock.
double nowMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return double(clock.nsecsElapsed()) / 1e6;
}

// CPU time the calling thread has used, in milliseconds: with the wall time of the same events
// it tells work from waiting for a core that other threads hold.
double threadCpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// Qt's offscreen platform warns each time a window's size hints change ("This plugin does not
// support propagateSizeHints()"). Those warnings are counted, not printed: each is a change of
// the main window's minimum or maximum size, a layout pass that reached the top.
int& sizeHintChanges()
{
    static int count = 0;
    return count;
}

QtMessageHandler& previousMessageHandler()
{
    static QtMessageHandler handler = nullptr;
    return handler;
}

void countSizeHintWarnings(QtMsgType type, const QMessageLogContext& context, const QString& text)
{
    if (text.contains(QLatin1String("propagateSizeHints"))) {
        ++sizeHintChanges();
    } else if (previousMessageHandler()) {
        previousMessageHandler()(type, context, text);
    }
}

void say(const QString& line)
{
    std::fputs(qPrintable(line + u'\n'), stdout);
    std::fflush(stdout);
}

// Runs the event loop of the UI thread for `ms` milliseconds.
void runEventLoopFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit); // coarse: up to 5% early
    loop.exec();
}

// ---- statistics ----

struct Summary
{
    std::size_t count = 0;
    double median = 0;
    double p99 = 0;
    double max = 0;
};

// Nearest rank: the smallest value with at least q of the values at or below it.
double quantile(const std::vector<double>& sorted, double q)
{
    const auto rank = std::size_t(std::ceil(q * double(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

Summary summarize(std::vector<double> values)
{
    Summary s;
    s.count = values.size();
    if (values.empty()) {
        return s;
    }
    std::sort(values.begin(), values.end());
    s.median = quantile(values, 0.5);
    s.p99 = quantile(values, 0.99);
    s.max = values.back();
    return s;
}

std::vector<double> differences(const std::vector<double>& times)
{
    std::vector<double> d;
    for (std::size_t i = 1; i < times.size(); ++i) {
        d.push_back(times[i] - times[i - 1]);
    }
    return d;
}

// ---- recording on the UI thread ----

// The UI thread's work for one refresh (see the top of the file).
struct FrameWork
{
    double slotMs = 0;
    double repaintMs = 0;
    double otherMs = 0;
    double cpuMs = 0; // the UI thread's CPU time in all three
    double total() const { return slotMs + repaintMs + otherMs; }
};

struct Recording
{
    double startMs = 0;
    double endMs = 0;
    std::vector<double> refreshTimes;              // when frameChanged() was emitted
    std::vector<FrameWork> frames;                 // one per refresh
    std::map<QString, std::vector<double>> paints; // Paint durations per view
    std::map<QString, int> resizes;                // Resize events per widget: layout changes
    std::vector<int> repaintPasses;                // per refresh: events that painted
    double busyMs = 0;                             // every outermost event but the probe's
    int sizeHintChanges = 0;                       // of the main window
    double seconds() const { return (endMs - startMs) / 1000.0; }
};

// Which view an event belongs to: the innermost view of ours that holds the widget.
QString viewLabel(const QObject* receiver)
{
    for (const QObject* o = receiver; o; o = o->parent()) {
        if (const auto* heatmap = qobject_cast<const HeatmapView*>(o)) {
            const QString name = heatmap->objectName();
            return QStringLiteral("HeatmapView ") + (name.isEmpty() ? heatmap->exportName() : name);
        }
        for (const char* view : {"LossChart", "PatchOverlayView", "ImageGallery"}) {
            if (o->inherits(view)) {
                return QString::fromLatin1(view) + u' ' + o->objectName();
            }
        }
    }
    return QStringLiteral("other: ") + QString::fromLatin1(receiver->metaObject()->className());
}

// Class and object name.
QString widgetName(const QObject* receiver)
{
    return (QString::fromLatin1(receiver->metaObject()->className()) + u' ' +
            receiver->objectName())
        .trimmed();
}

// A QApplication that times every event of the UI thread while recording.
class TimingApplication : public QApplication
{
public:
    using QApplication::QApplication;

    // `probe` is the latency timer, whose own events are not the application's work.
    void startRecording(const QObject* probe);
    Recording stopRecording();
    // Called by a slot connected to the controller's frameChanged().
    void markRefresh();

    bool notify(QObject* receiver, QEvent* event) override;

private:
    static QString labelFor(const QObject* receiver, QEvent::Type type);
    void record(QEvent::Type type, const QString& label, double ms);
    void account(double ms, double cpuMs);

    bool m_on = false;
    const QObject* m_probe = nullptr;
    Recording m_recording;
    int m_depth = 0;          // events being handled, nested
    bool m_refreshed = false; // frameChanged() was emitted in the current outermost event
    bool m_painted = false;   // a Paint or UpdateRequest was handled in it
};

void TimingApplication::startRecording(const QObject* probe)
{
    m_recording = Recording{};
    m_recording.startMs = nowMs();
    m_recording.sizeHintChanges = -sizeHintChanges();
    m_probe = probe;
    m_on = true;
}

Recording TimingApplication::stopRecording()
{
    m_on = false;
    m_recording.endMs = nowMs();
    m_recording.sizeHintChanges += sizeHintChanges();
    // The last refresh's repaint may fall after the end: leave it out.
    if (!m_recording.frames.empty()) {
        m_recording.frames.pop_back();
        m_recording.repaintPasses.pop_back();
    }
    return std::move(m_recording);
}

void TimingApplication::markRefresh()
{
    if (m_on) {
        m_refreshed = true;
        m_recording.refreshTimes.push_back(nowMs());
    }
}

bool TimingApplication::notify(QObject* receiver, QEvent* event)
{
    if (!m_on || QThread::currentThread() != thread()) {
        return QApplication::notify(receiver, event);
    }
    const QEvent::Type type = event->type();
    const bool outermost = m_depth == 0;
    if (outermost) {
        m_refreshed = false;
        m_painted = false;
    }
    const QString label = labelFor(receiver, type); // before: handling may delete the receiver
    const double cpuStart = outermost ? threadCpuMs() : 0; // a system call: outermost only
    ++m_depth;
    const double start = nowMs();
    const bool handled = QApplication::notify(receiver, event);
    const double ms = nowMs() - start;
    --m_depth;
    record(type, label, ms);
    if (outermost && receiver != m_probe) { // a comparison only: the receiver may be gone
        account(ms, threadCpuMs() - cpuStart);
    }
    return handled;
}

QString TimingApplication::labelFor(const QObject* receiver, QEvent::Type type)
{
    switch (type) {
    case QEvent::Paint:
        return viewLabel(receiver);
    case QEvent::Resize:
        return widgetName(receiver);
    default:
        return {};
    }
}

// Any event, nested or not.
void TimingApplication::record(QEvent::Type type, const QString& label, double ms)
{
    if (type == QEvent::Paint || type == QEvent::UpdateRequest) {
        m_painted = true;
    }
    if (type == QEvent::Paint) {
        m_recording.paints[label].push_back(ms);
    } else if (type == QEvent::Resize) {
        ++m_recording.resizes[label];
    }
}

// An outermost event: it opens a frame when it emitted frameChanged(), else adds to the last.
void TimingApplication::account(double ms, double cpuMs)
{
    m_recording.busyMs += ms;
    if (m_refreshed) {
        m_recording.frames.push_back(FrameWork{ms, 0, 0, cpuMs});
        m_recording.repaintPasses.push_back(0);
        return;
    }
    if (m_recording.frames.empty()) {
        return;
    }
    FrameWork& frame = m_recording.frames.back();
    (m_painted ? frame.repaintMs : frame.otherMs) += ms;
    frame.cpuMs += cpuMs;
    m_recording.repaintPasses.back() += m_painted ? 1 : 0;
}

// ---- the pages ----

// A page's controller, as the benchmark drives it.
struct Page
{
    std::function<void()> train;
    std::function<void()> pause;
    std::function<bool()> running;     // the latest frame says the worker is training
    std::function<QString()> progress; // where training is
    // Connects `slot` to the controller's frameChanged(), in the context of `context`.
    std::function<void(QObject* context, std::function<void()> slot)> onFrame;
};

QString progressOf(const TrainingFrame& frame)
{
    return QStringLiteral("epoch %L1, %L2 losses in the frame")
        .arg(frame.snapshot.epoch)
        .arg(frame.snapshot.epochLosses.size());
}

QString progressOf(const ComparisonFrame& frame)
{
    const ComparisonSide& left = frame.sides[0];
    return QStringLiteral("epoch %L1, step %L2 of each model").arg(left.epoch).arg(left.step);
}

QString progressOf(const VitFrame& frame)
{
    return QStringLiteral("epoch %L1, step %L2, %L3 curve points")
        .arg(frame.epoch)
        .arg(frame.step)
        .arg(frame.curve.size());
}

// TrainingController, ComparisonController and VitController share these members.
template <typename Controller> Page pageOf(Controller* c)
{
    Page page;
    page.train = [c] { c->train(); };
    page.pause = [c] { c->pause(); };
    page.running = [c] {
        const auto frame = c->latest();
        return frame && frame->running;
    };
    page.progress = [c] {
        const auto frame = c->latest();
        return frame ? progressOf(*frame) : QStringLiteral("no frame");
    };
    page.onFrame = [c](QObject* context, std::function<void()> slot) {
        QObject::connect(c, &Controller::frameChanged, context, std::move(slot));
    };
    return page;
}

// A scenario's page, or why it was skipped.
struct Setup
{
    std::optional<Page> page;
    QString skipped;
};

template <typename T> T* child(const QObject* parent, const char* name)
{
    T* found = parent->findChild<T*>(QLatin1String(name));
    if (!found) {
        throw std::runtime_error(std::string("no widget named ") + name);
    }
    return found;
}

void selectData(const QObject* parent, const char* name, const QVariant& data)
{
    auto* box = child<QComboBox>(parent, name);
    const int index = box->findData(data);
    if (index < 0) {
        throw std::runtime_error(std::string(name) + " offers no " + data.toString().toStdString());
    }
    box->setCurrentIndex(index);
}

void setSpin(const QObject* parent, const char* name, int value)
{
    child<QSpinBox>(parent, name)->setValue(value);
}

void setSpinToMaximum(const QObject* parent, const char* name)
{
    auto* spin = child<QSpinBox>(parent, name);
    spin->setValue(spin->maximum());
}

// (a) The lesson at "as fast as possible", chosen in the controls as a user would.
Setup setUpSingleHead(MainWindow& window)
{
    window.pages()->setCurrentIndex(0);
    selectData(&window, "paceBox", 0); // ControlsPanel → TrainingController::setPace(0)
    window.controller()->setEpochs(kLessonEpochs);
    return Setup{pageOf(window.controller()), {}};
}

// (b) Both transformers on the agreement preset.
Setup setUpTransformer(MainWindow& window)
{
    window.showTransformerPage();
    TransformerPage* page = window.transformerPage();
    selectData(page, "transformerText", QStringLiteral("agreement")); // sets the context too
    setSpin(page, "layersSpin", 2);
    setSpin(page, "headsSpin", 4);
    setSpin(page, "embedSpin", 32);
    setSpin(page, "headSizeSpin", 32);
    setSpin(page, "batchSpin", 8);
    setSpinToMaximum(page, "transformerEpochs");
    if (!page->apply()) {
        throw std::runtime_error(page->message().toStdString());
    }
    return Setup{pageOf(page->controller()), {}};
}

// (c) The Vision Transformer on Fashion-MNIST, loaded before the page is shown.
Setup setUpVit(MainWindow& window)
{
    if (!QFileInfo::exists(kFashionMnist)) {
        return Setup{std::nullopt, kFashionMnist + QStringLiteral(" is not there: install "
                                                                  "dataset-fashion-mnist")};
    }
    VitPage* page = window.vitPage();
    if (!page->loadFashionMnist()) {
        return Setup{std::nullopt, page->message()};
    }
    setSpinToMaximum(page, "vitEpochs");
    if (!page->apply()) {
        throw std::runtime_error(page->message().toStdString());
    }
    window.showVitPage();
    return Setup{pageOf(page->controller()), {}};
}

// ---- measuring ----

struct PauseTimes
{
    std::vector<double> workerMs; // pause() until latest()->running is false
    std::vector<double> shownMs;  // pause() until the page's slot ran with that frame
    int notRunning = 0;           // tries where training had not started
};

struct Result
{
    QString name;
    QString skipped;
    Recording recording;
    std::vector<double> loopIntervals; // of the 1 ms probe timer
    PauseTimes pause;
    QString progress;
};

// Busy-waits on latest() from the UI thread; returns when the frame is not running.
double waitUntilPaused(const Page& page, double start)
{
    while (page.running() && nowMs() - start < kPauseTimeoutMs) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    return nowMs();
}

// Runs the event loop until frameChanged() brings a frame that is not running.
std::optional<double> waitUntilShownPaused(const Page& page)
{
    QEventLoop loop;
    QObject context;
    std::optional<double> shown;
    page.onFrame(&context, [&] {
        if (!page.running()) {
            shown = nowMs();
            loop.quit();
        }
    });
    QTimer::singleShot(kPauseTimeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return shown;
}

PauseTimes measurePause(const Page& page)
{
    PauseTimes times;
    for (int i = 0; i < kPauseRepeats; ++i) {
        page.train();
        runEventLoopFor(kPauseWarmupMs);
        if (!page.running()) {
            ++times.notRunning;
            continue;
        }
        const double start = nowMs();
        page.pause();
        times.workerMs.push_back(waitUntilPaused(page, start) - start);
        if (const std::optional<double> shown = waitUntilShownPaused(page)) {
            times.shownMs.push_back(*shown - start);
        }
    }
    return times;
}

// Trains, settles, records for `seconds` with the latency probe running, then times Pause.
Result measure(TimingApplication& app, const Page& page, double seconds)
{
    Result result;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    double last = -1;
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        const double now = nowMs();
        if (last >= 0) {
            result.loopIntervals.push_back(now - last);
        }
        last = now;
    });
    QObject context;
    page.onFrame(&context, [&app] { app.markRefresh(); });
    page.train();
    runEventLoopFor(kSettleMs);
    app.startRecording(&probe);
    probe.start();
    runEventLoopFor(int(seconds * 1000));
    probe.stop();
    result.recording = app.stopRecording();
    result.progress = page.progress();
    result.pause = measurePause(page);
    return result;
}

struct Scenario
{
    char key;
    const char* name;
    Setup (*setUp)(MainWindow&);
};

const Scenario kScenarios[] = {{'a', "a single head", setUpSingleHead},
                               {'b', "b transformer", setUpTransformer},
                               {'c', "c vision transformer", setUpVit}};

// A fresh main window per scenario, shown at its default size; destroyed afterwards, not closed
// (closing would save its layout).
Result run(TimingApplication& app, const Scenario& scenario, double seconds)
{
    auto window = std::make_unique<MainWindow>(nullptr);
    window->show();
    runEventLoopFor(300); // exposed and laid out
    say(QStringLiteral("  window %1×%2").arg(window->width()).arg(window->height()));
    const Setup setup = scenario.setUp(*window);
    if (!setup.page) {
        Result skipped;
        skipped.skipped = setup.skipped;
        skipped.name = QString::fromLatin1(scenario.name);
        return skipped;
    }
    runEventLoopFor(300); // the new page shown
    Result result = measure(app, *setup.page, seconds);
    result.name = QString::fromLatin1(scenario.name);
    return result;
}

// ---- report ----

QString verdict(bool met)
{
    return met ? QStringLiteral("ok") : QStringLiteral("MISS");
}

QString fixed(double value, int width, int decimals = 1)
{
    return QStringLiteral("%1").arg(value, width, 'f', decimals);
}

std::vector<double> frameTotals(const Recording& r)
{
    std::vector<double> totals;
    for (const FrameWork& f : r.frames) {
        totals.push_back(f.total());
    }
    return totals;
}

void printTableHeader()
{
    say(QStringLiteral("%1 %2 %3 %4 %5 %6  %7")
            .arg(QStringLiteral("scenario"), -21)
            .arg(QStringLiteral("refresh/s"), 9)
            .arg(QStringLiteral("interval ms"), 13)
            .arg(QStringLiteral("frame ms"), 13)
            .arg(QStringLiteral("loop ms"), 13)
            .arg(QStringLiteral("pause ms"), 13)
            .arg(QStringLiteral("targets met")));
    say(QStringLiteral("%1 %2 %3 %4 %5  %6")
            .arg(QString(), 31)
            .arg(QStringLiteral("med    p99"), 13)
            .arg(QStringLiteral("med    p99"), 13)
            .arg(QStringLiteral("p99    max"), 13)
            .arg(QStringLiteral("med    max"), 13)
            .arg(QStringLiteral("frame refresh pause")));
}

void printRow(const Result& r)
{
    if (!r.skipped.isEmpty()) {
        say(QStringLiteral("%1 skipped: %2").arg(r.name, -21).arg(r.skipped));
        return;
    }
    const double perSecond = double(r.recording.refreshTimes.size()) / r.recording.seconds();
    const Summary interval = summarize(differences(r.recording.refreshTimes));
    const Summary frame = summarize(frameTotals(r.recording));
    const Summary loop = summarize(r.loopIntervals);
    const Summary pause = summarize(r.pause.workerMs);
    const bool pauseMet = pause.count > 0 && pause.max <= kDisplayFrameMs;
    say(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9 %10  %11 %12 %13")
            .arg(r.name, -21)
            .arg(fixed(perSecond, 9))
            .arg(fixed(interval.median, 6), fixed(interval.p99, 6))
            .arg(fixed(frame.median, 6), fixed(frame.p99, 6))
            .arg(fixed(loop.p99, 6), fixed(loop.max, 6))
            .arg(fixed(pause.median, 6, 2), fixed(pause.max, 6, 2))
            .arg(verdict(frame.count > 0 && frame.p99 <= kFrameTargetMs), -5)
            .arg(verdict(perSecond >= kRefreshTarget), -7)
            .arg(verdict(pauseMet)));
}

QString summaryLine(const QString& what, const Summary& s)
{
    return QStringLiteral("    %1 %2 %3 %4 %5")
        .arg(what, -34)
        .arg(s.count, 6)
        .arg(fixed(s.median, 8, 2), fixed(s.p99, 8, 2), fixed(s.max, 8, 2));
}

template <typename Part> std::vector<double> framePart(const Recording& r, Part part)
{
    std::vector<double> values;
    for (const FrameWork& f : r.frames) {
        values.push_back(f.*part);
    }
    return values;
}

void printFrameParts(const Result& r)
{
    const Recording& rec = r.recording;
    say(QStringLiteral("    %1 %2 %3 %4 %5")
            .arg(QStringLiteral("ms"), -34)
            .arg(QStringLiteral("count"), 6)
            .arg(QStringLiteral("median"), 8)
            .arg(QStringLiteral("p99"), 8)
            .arg(QStringLiteral("max"), 8));
    say(summaryLine(QStringLiteral("frame: slot (frameChanged)"),
                    summarize(framePart(rec, &FrameWork::slotMs))));
    say(summaryLine(QStringLiteral("frame: repaint"),
                    summarize(framePart(rec, &FrameWork::repaintMs))));
    say(summaryLine(QStringLiteral("frame: other events"),
                    summarize(framePart(rec, &FrameWork::otherMs))));
    say(summaryLine(QStringLiteral("frame: whole"), summarize(frameTotals(rec))));
    say(summaryLine(QStringLiteral("frame: whole, UI thread CPU time"),
                    summarize(framePart(rec, &FrameWork::cpuMs))));
    say(summaryLine(QStringLiteral("refresh interval"), summarize(differences(rec.refreshTimes))));
    say(summaryLine(QStringLiteral("1 ms timer interval"), summarize(r.loopIntervals)));
    say(summaryLine(QStringLiteral("pause: until latest() not running"),
                    summarize(r.pause.workerMs)));
    say(summaryLine(QStringLiteral("pause: until the page's slot ran"),
                    summarize(r.pause.shownMs)));
}

void printPaints(const Recording& rec)
{
    double all = 0;
    for (const auto& [label, times] : rec.paints) {
        all += std::accumulate(times.begin(), times.end(), 0.0);
    }
    std::vector<std::pair<double, QString>> byTotal;
    for (const auto& [label, times] : rec.paints) {
        byTotal.emplace_back(std::accumulate(times.begin(), times.end(), 0.0), label);
    }
    std::sort(byTotal.rbegin(), byTotal.rend());
    say(QStringLiteral("    %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("Paint events, by view"), -34)
            .arg(QStringLiteral("count"), 6)
            .arg(QStringLiteral("median"), 8)
            .arg(QStringLiteral("p99"), 8)
            .arg(QStringLiteral("total"), 8)
            .arg(QStringLiteral("share"), 6));
    for (const auto& [total, label] : byTotal) {
        const Summary s = summarize(rec.paints.at(label));
        say(QStringLiteral("    %1 %2 %3 %4 %5 %6%")
                .arg(label.left(34), -34)
                .arg(s.count, 6)
                .arg(fixed(s.median, 8, 3), fixed(s.p99, 8, 3), fixed(total, 8, 1))
                .arg(fixed(all > 0 ? 100 * total / all : 0, 5, 1)));
    }
}

// The medians of the first and the last fifth of `values`, as "a → b".
QString firstToLast(const std::vector<double>& values)
{
    const auto fifth = std::ptrdiff_t(values.size() / 5);
    const Summary first = summarize(std::vector<double>(values.begin(), values.begin() + fifth));
    const Summary last = summarize(std::vector<double>(values.end() - fifth, values.end()));
    return QStringLiteral("%1 → %2").arg(first.median, 0, 'f', 2).arg(last.median, 0, 'f', 2);
}

// A frame time that grows during the run (with the history a chart redraws, say) shows here.
void printTrend(const Recording& rec)
{
    if (rec.frames.size() < 5) {
        return;
    }
    say(QStringLiteral("    whole frame median, first fifth of the run → last fifth: %1 ms "
                       "(UI thread CPU time %2 ms)")
            .arg(firstToLast(frameTotals(rec)), firstToLast(framePart(rec, &FrameWork::cpuMs))));
}

// Widgets resized while recording: a layout pass changed their geometry, and with it what
// has to be repainted.
void printResizes(const Recording& rec)
{
    const std::vector<double> passes(rec.repaintPasses.begin(), rec.repaintPasses.end());
    const Summary s = summarize(passes);
    say(QStringLiteral("    repaint passes (events that painted) per refresh: median %1, max %2")
            .arg(s.median)
            .arg(s.max));
    say(QStringLiteral("    changes of the main window's size hints: %1").arg(rec.sizeHintChanges));
    if (rec.resizes.empty()) {
        say(QStringLiteral("    Resize events: none"));
        return;
    }
    QStringList counts;
    for (const auto& [label, count] : rec.resizes) {
        counts << QStringLiteral("%1 × %L2").arg(label).arg(count);
    }
    say(QStringLiteral("    Resize events: ") + counts.join(QStringLiteral(", ")));
}

void printDetails(const Result& r)
{
    if (!r.skipped.isEmpty()) {
        return;
    }
    const Recording& rec = r.recording;
    say(QString());
    say(QStringLiteral("%1: %L2 refreshes in %3 s; UI thread busy %4% of the time; training "
                       "reached %5; pause tries without training: %6")
            .arg(r.name)
            .arg(rec.refreshTimes.size())
            .arg(rec.seconds(), 0, 'f', 2)
            .arg(100 * rec.busyMs / (rec.endMs - rec.startMs), 0, 'f', 1)
            .arg(r.progress)
            .arg(r.pause.notRunning));
    printFrameParts(r);
    printTrend(rec);
    printPaints(rec);
    printResizes(rec);
}

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly)) {
        return QStringLiteral("unknown");
    }
    return QString::fromLatin1(file.readAll()).section(u' ', 0, 2);
}

void printHeader(double seconds)
{
    const QScreen* screen = QGuiApplication::primaryScreen();
    say(QStringLiteral("attnlab-uibench: Qt %1, platform %2, screen %3×%4 at %5 dpi, %6 logical "
                       "cores, load average %7, %8 s per scenario")
            .arg(QString::fromLatin1(qVersion()), QGuiApplication::platformName())
            .arg(screen->geometry().width())
            .arg(screen->geometry().height())
            .arg(screen->logicalDotsPerInch())
            .arg(QThread::idealThreadCount())
            .arg(loadAverage())
            .arg(seconds));
    say(QStringLiteral("targets: frame p99 <= %1 ms, >= %2 refreshes/s, every pause <= %3 ms")
            .arg(kFrameTargetMs)
            .arg(kRefreshTarget)
            .arg(kDisplayFrameMs, 0, 'f', 1));
}

// ---- main ----

// Qt's offscreen platform, with a screen large enough for the window's default size, unless
// the caller chose a platform.
void chooseOffscreen(const QTemporaryDir& dir)
{
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        return;
    }
    const QString path = dir.filePath(QStringLiteral("screen.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        return;
    }
    file.write(R"({"screens": [{"name": "uibench", "x": 0, "y": 0, "width": 1920,
                  "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]})");
    file.close();
    qputenv("QT_QPA_PLATFORM", QStringLiteral("offscreen:configfile=%1").arg(path).toLocal8Bit());
}

// Settings in a temporary folder: the user's window layout neither read nor overwritten.
void useTemporarySettings(const QTemporaryDir& dir)
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabUiBench"));
    QCoreApplication::setApplicationName(QStringLiteral("attnlab-uibench"));
}

struct Options
{
    double seconds = 5;
    QString scenarios = QStringLiteral("abc");
};

Options parseOptions(const QCoreApplication& app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Times the UI thread of AttnLab while a model trains at full speed."));
    parser.addHelpOption();
    const QCommandLineOption seconds(QStringLiteral("seconds"),
                                     QStringLiteral("Recording time per scenario (default 5)."),
                                     QStringLiteral("s"), QStringLiteral("5"));
    const QCommandLineOption scenario(
        QStringLiteral("scenario"),
        QStringLiteral("a (Single head), b (Transformer) or c (Vision Transformer); default all."),
        QStringLiteral("a|b|c"));
    parser.addOptions({seconds, scenario});
    parser.process(app);
    Options options;
    bool ok = false;
    options.seconds = parser.value(seconds).toDouble(&ok);
    if (!ok || options.seconds <= 0) {
        throw std::runtime_error("--seconds takes a positive number");
    }
    if (parser.isSet(scenario)) {
        options.scenarios = parser.value(scenario);
        if (options.scenarios.size() != 1 || !QStringLiteral("abc").contains(options.scenarios)) {
            throw std::runtime_error("--scenario takes a, b or c");
        }
    }
    return options;
}

int runAll(TimingApplication& app, const Options& options)
{
    printHeader(options.seconds);
    std::vector<Result> results;
    for (const Scenario& scenario : kScenarios) {
        if (options.scenarios.contains(QLatin1Char(scenario.key))) {
            say(QStringLiteral("running %1 …").arg(QString::fromLatin1(scenario.name)));
            results.push_back(run(app, scenario, options.seconds));
        }
    }
    say(QString());
    printTableHeader();
    for (const Result& r : results) {
        printRow(r);
    }
    for (const Result& r : results) {
        printDetails(r);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    nowMs(); // starts the clock
    const QTemporaryDir scratch;
    chooseOffscreen(scratch);
    TimingApplication app(argc, argv);
    previousMessageHandler() = qInstallMessageHandler(countSizeHintWarnings);
    useTemporarySettings(scratch);
    try {
        return runAll(app, parseOptions(app));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "attnlab-uibench: %s\n", error.what());
        return 1;
    }
}

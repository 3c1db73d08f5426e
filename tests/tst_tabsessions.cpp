// Sessions of the Transformer and Vision Transformer tabs in the window: a model saved through
// the window opens in a fresh window on its own tab, paused at the same step, with its
// settings in the strip and its curves drawn, and training on gives what the first window
// gives; a broken file, one that does not fit, or one whose images are gone is refused naming
// it, and the model shown stays. Dropped files and recent files open on their tab too.
#include "comparisoncontroller.h"
#include "losschart.h"
#include "mainwindow.h"
#include "sessionkeeper.h"
#include "tabsessions.h"
#include "transformerpage.h"
#include "vitcontroller.h"
#include "vitpage.h"

#include <idx.h>
#include <textsession.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFile>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <cstdint>
#include <memory>
#include <vector>

namespace {

template <typename T> T* child(const QWidget& page, const char* name)
{
    T* found = page.findChild<T*>(QLatin1String(name));
    if (!found) {
        qFatal("no child named %s", name);
    }
    return found;
}

std::unique_ptr<MainWindow> openWindow()
{
    auto window = std::make_unique<MainWindow>(nullptr);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get())) {
        qFatal("the window was not shown");
    }
    return window;
}

QString statusOf(MainWindow& w)
{
    return w.statusBar()->currentMessage();
}

// A small model on the lesson, with dropout and the masked-token objective on the right, so
// that every generator of the pair is in the session.
void smallTransformer(TransformerPage& page)
{
    child<QSpinBox>(page, "layersSpin")->setValue(1);
    child<QSpinBox>(page, "headsSpin")->setValue(2);
    child<QSpinBox>(page, "embedSpin")->setValue(8);
    child<QSpinBox>(page, "headSizeSpin")->setValue(8);
    child<QSpinBox>(page, "mlpWidthSpin")->setValue(12);
    child<QCheckBox>(page, "layerNormCheck")->setChecked(false);
    child<QDoubleSpinBox>(page, "dropoutSpin")->setValue(0.1);
    child<QSpinBox>(page, "batchSpin")->setValue(1);
    child<QDoubleSpinBox>(page, "transformerLearningRate")->setValue(0.01);
    child<QSpinBox>(page, "transformerEpochs")->setValue(30);
    child<QSpinBox>(page, "seedSpin")->setValue(11);
    auto* right = child<QComboBox>(page, "rightObjective");
    right->setCurrentIndex(right->findData(int(attnlab::Objective::Masked)));
}

// Steps both models `epochs` epochs and waits for them.
void stepEpochs(TransformerPage& page, int epochs)
{
    const int start = page.controller()->latest()->sides[0].epoch;
    for (int i = 0; i < epochs; ++i) {
        page.controller()->step();
    }
    QTRY_COMPARE(page.controller()->latest()->sides[0].epoch, start + epochs);
}

// 28×28 images whose label (0–3) is the quarter holding a bright square, as IDX files.
QByteArray idxHeader(std::uint32_t magic, const std::vector<std::uint32_t>& sizes)
{
    QByteArray data;
    std::vector<std::uint32_t> all{magic};
    all.insert(all.end(), sizes.begin(), sizes.end());
    for (std::uint32_t v : all) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            data.append(char((v >> shift) & 0xff));
        }
    }
    return data;
}

void writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(data), data.size());
}

void writeQuarters(const QDir& dir, const QString& prefix, std::uint32_t count)
{
    QByteArray pixels = idxHeader(0x803, {count, 28, 28});
    QByteArray labels = idxHeader(0x801, {count});
    for (std::uint32_t i = 0; i < count; ++i) {
        const int label = int((i * 7 + 3) % 4);
        for (int y = 0; y < 28; ++y) {
            for (int x = 0; x < 28; ++x) {
                const bool lit = y / 14 == label / 2 && x / 14 == label % 2;
                pixels.append(char(lit ? 230 : 12 + int(i % 5)));
            }
        }
        labels.append(char(label));
    }
    writeFile(dir.filePath(prefix + QStringLiteral("-images-idx3-ubyte")), pixels);
    writeFile(dir.filePath(prefix + QStringLiteral("-labels-idx1-ubyte")), labels);
}

// A small model: 4 images a step, 16 steps an epoch, 8 epochs: a point of the curves at step
// 100 and one at the end.
void smallVit(VitPage& page)
{
    child<QSpinBox>(page, "vitEmbed")->setValue(8);
    child<QSpinBox>(page, "vitHeads")->setValue(2);
    child<QSpinBox>(page, "vitHeadSize")->setValue(8);
    child<QSpinBox>(page, "vitLayers")->setValue(1);
    child<QSpinBox>(page, "vitMlpWidth")->setValue(16);
    child<QSpinBox>(page, "vitBatch")->setValue(4);
    child<QSpinBox>(page, "vitEpochs")->setValue(8);
    child<QSpinBox>(page, "vitSeed")->setValue(3);
    child<QDoubleSpinBox>(page, "vitLearningRate")->setValue(0.005);
}

bool vitFinished(const VitController& controller)
{
    const auto frame = controller.latest();
    return !frame->running && frame->state == attnlab::TrainState::Finished;
}

void compareCurves(const std::vector<VitCurvePoint>& a, const std::vector<VitCurvePoint>& b)
{
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].epoch, b[i].epoch);
        QCOMPARE(a[i].trainLoss, b[i].trainLoss);
        QCOMPARE(a[i].trainAccuracy, b[i].trainAccuracy);
        QCOMPARE(a[i].testLoss, b[i].testLoss);
        QCOMPARE(a[i].testAccuracy, b[i].testAccuracy);
    }
}

} // namespace

class TestTabSessions : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void transformerSessionOpensToTheSameModels();
    void refusedTransformerFileKeepsTheModelsShown();
    void vitSessionOpensToTheSameModel();
    void vitSessionWithoutItsImagesIsRefused();
    void vitImagesNotFromAFolderAreNotSaved();
    void droppedAndRecentSessionsOpenOnTheirTab();
    void closingAsksBeforeDroppingATrainedModelOfATab();
    void autosaveLetsATabModelBeRecovered();

private:
    // Images in a folder of their own: 64 training and 16 test images.
    QString writeImages(const QString& name);
    // The ViT page of `w` shown, a small model on the images of `folder`.
    void buildVit(MainWindow& w, const QString& folder);

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_files;
};

void TestTabSessions::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AttnLabTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_tabsessions"));
}

QString TestTabSessions::writeImages(const QString& name)
{
    QDir(m_files.path()).mkpath(name);
    const QDir dir(m_files.filePath(name));
    writeQuarters(dir, QStringLiteral("train"), 64);
    writeQuarters(dir, QStringLiteral("t10k"), 16);
    return dir.path();
}

// The images load before the page is first shown, so that it does not look for Fashion-MNIST.
void TestTabSessions::buildVit(MainWindow& w, const QString& folder)
{
    smallVit(*w.vitPage());
    QVERIFY2(w.vitPage()->loadFashionMnist(folder), qPrintable(w.vitPage()->message()));
    w.showVitPage();
}

void TestTabSessions::transformerSessionOpensToTheSameModels()
{
    const QString path = m_files.filePath(QStringLiteral("pair.attnlab"));
    std::unique_ptr<MainWindow> first = openWindow();
    first->showTransformerPage();
    TransformerPage& page = *first->transformerPage();
    smallTransformer(page);
    QVERIFY2(page.apply(), qPrintable(page.message()));
    stepEpochs(page, 3);
    const long steps = page.controller()->latest()->sides[0].step;
    child<QComboBox>(page, "transformerSentence")->setCurrentIndex(1); // the view, kept too
    child<QComboBox>(page, "layerSide")->setCurrentIndex(1);
    child<QTabWidget>(page, "transformerViews")->setCurrentIndex(1);
    QVERIFY(first->saveSessionFile(path));
    QVERIFY2(statusOf(*first).contains(QLatin1String("pair.attnlab")),
             qPrintable(statusOf(*first)));
    QCOMPARE(first->tabSessions()->path(), path);
    QVERIFY(first->windowTitle().contains(QLatin1String("pair.attnlab")));
    QCOMPARE(first->sessions()->recentFiles().value(0), QFileInfo(path).absoluteFilePath());
    stepEpochs(page, 2);
    const auto uninterrupted = page.controller()->latest();

    std::unique_ptr<MainWindow> second = openWindow();
    QVERIFY2(second->openSessionFile(path), qPrintable(statusOf(*second)));
    TransformerPage& opened = *second->transformerPage();
    QCOMPARE(second->pages()->currentWidget(), &opened);
    const auto frame = opened.controller()->latest();
    QVERIFY(!frame->running);
    QCOMPARE(frame->sides[0].epoch, 3);
    QCOMPARE(frame->sides[0].step, steps);
    QCOMPARE(frame->sides[1].objective, attnlab::Objective::Masked);
    QCOMPARE(child<QSpinBox>(opened, "embedSpin")->value(), 8);
    QCOMPARE(child<QSpinBox>(opened, "headSizeSpin")->value(), 8);
    QCOMPARE(child<QSpinBox>(opened, "mlpWidthSpin")->value(), 12);
    QCOMPARE(child<QSpinBox>(opened, "transformerEpochs")->value(), 30);
    QCOMPARE(child<QSpinBox>(opened, "seedSpin")->value(), 11);
    QCOMPARE(child<QSpinBox>(opened, "batchSpin")->value(), 1);
    QCOMPARE(child<QDoubleSpinBox>(opened, "dropoutSpin")->value(), 0.1);
    QCOMPARE(child<QDoubleSpinBox>(opened, "transformerLearningRate")->value(), 0.01);
    QVERIFY(!child<QCheckBox>(opened, "layerNormCheck")->isChecked());
    QCOMPARE(child<QComboBox>(opened, "rightObjective")->currentData().toInt(),
             int(attnlab::Objective::Masked));
    QCOMPARE(child<QComboBox>(opened, "transformerText")->currentData(),
             child<QComboBox>(page, "transformerText")->currentData());
    QCOMPARE(child<QComboBox>(opened, "transformerSentence")->currentIndex(), 1);
    QCOMPARE(child<QComboBox>(opened, "layerSide")->currentIndex(), 1);
    QCOMPARE(child<QTabWidget>(opened, "transformerViews")->currentIndex(), 1);
    QTRY_COMPARE(opened.lossChart()->losses().size(), size_t(3));
    QCOMPARE(opened.lossChart()->secondLosses().size(), size_t(3));

    stepEpochs(opened, 2);
    const auto resumed = opened.controller()->latest();
    QCOMPARE(resumed->sides[0].epochLosses, uninterrupted->sides[0].epochLosses);
    QCOMPARE(resumed->sides[1].epochLosses, uninterrupted->sides[1].epochLosses);
    QCOMPARE(resumed->sides[1].step, uninterrupted->sides[1].step);
}

void TestTabSessions::refusedTransformerFileKeepsTheModelsShown()
{
    std::unique_ptr<MainWindow> w = openWindow();
    w->showTransformerPage();
    TransformerPage& page = *w->transformerPage();
    smallTransformer(page);
    QVERIFY(page.apply());
    stepEpochs(page, 2);
    const QString good = m_files.filePath(QStringLiteral("good.attnlab"));
    QVERIFY(w->saveSessionFile(good));
    stepEpochs(page, 1);
    const std::uint64_t generation = page.controller()->latest()->generation;

    QFile file(good);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    file.close();
    const QString misfit = m_files.filePath(QStringLiteral("misfit.attnlab"));
    QByteArray changed = text;
    changed.replace("setting embed 8\n", "setting embed 9\n"); // the weights are 8 wide
    writeFile(misfit, changed);
    const QString cut = m_files.filePath(QStringLiteral("cut.attnlab"));
    writeFile(cut, text.left(text.size() / 2));
    const QString notSession = m_files.filePath(QStringLiteral("notes.attnlab"));
    writeFile(notSession, "man ordered the chicken\n");

    for (const QString& path : {misfit, cut, notSession}) {
        QVERIFY(!w->openSessionFile(path));
        const QString name = QFileInfo(path).fileName();
        QVERIFY2(statusOf(*w).contains(name), qPrintable(statusOf(*w)));
        QVERIFY2(statusOf(*w).contains(QLatin1String("stays")), qPrintable(statusOf(*w)));
        QCOMPARE(page.controller()->latest()->generation, generation);
        QCOMPARE(page.controller()->latest()->sides[0].epoch, 3);
        QCOMPARE(w->pages()->currentWidget(), &page);
    }
}

void TestTabSessions::vitSessionOpensToTheSameModel()
{
    const QString folder = writeImages(QStringLiteral("quarters"));
    const QString path = m_files.filePath(QStringLiteral("vit.attnlab"));
    std::unique_ptr<MainWindow> first = openWindow();
    buildVit(*first, folder);
    VitPage& page = *first->vitPage();
    QCOMPARE(first->tabSessions()->path(), QString());
    QCOMPARE(first->tabSessions()->defaultName(), QStringLiteral("vit.attnlab"));
    for (int i = 0; i < 103; ++i) {
        page.controller()->step();
    }
    QTRY_VERIFY_WITH_TIMEOUT(page.controller()->latest()->step == 103 &&
                                 page.controller()->latest()->curve.size() == 1,
                             60000);
    child<QTabWidget>(page, "vitViews")->setCurrentIndex(1); // the view, kept too
    QVERIFY(first->saveSessionFile(path));
    const auto saved = page.controller()->latest();
    page.controller()->train();
    QTRY_VERIFY_WITH_TIMEOUT(vitFinished(*page.controller()), 120000);
    const auto uninterrupted = page.controller()->latest();
    QCOMPARE(uninterrupted->curve.size(), size_t(2));

    std::unique_ptr<MainWindow> second = openWindow();
    QVERIFY2(second->openSessionFile(path), qPrintable(statusOf(*second)));
    VitPage& opened = *second->vitPage();
    QCOMPARE(second->pages()->currentWidget(), &opened);
    QCOMPARE(opened.controller()->latest()->step, 103L);
    QCOMPARE(child<QTabWidget>(opened, "vitViews")->currentIndex(), 1);
    QVERIFY(!opened.controller()->latest()->running);
    compareCurves(opened.controller()->latest()->curve, saved->curve);
    QCOMPARE(child<QSpinBox>(opened, "vitEmbed")->value(), 8);
    QCOMPARE(child<QSpinBox>(opened, "vitHeads")->value(), 2);
    QCOMPARE(child<QSpinBox>(opened, "vitMlpWidth")->value(), 16);
    QCOMPARE(child<QSpinBox>(opened, "vitBatch")->value(), 4);
    QCOMPARE(child<QSpinBox>(opened, "vitEpochs")->value(), 8);
    QCOMPARE(child<QSpinBox>(opened, "vitSeed")->value(), 3);
    QCOMPARE(child<QDoubleSpinBox>(opened, "vitLearningRate")->value(), 0.005);
    QCOMPARE(child<QComboBox>(opened, "vitPatch")->currentData().toInt(), 7);
    QVERIFY2(opened.message().contains(QLatin1String("103")), qPrintable(opened.message()));
    QVERIFY(opened.controller()->testSet()->count() == 16);

    opened.controller()->train();
    QTRY_VERIFY_WITH_TIMEOUT(vitFinished(*opened.controller()), 120000);
    const auto resumed = opened.controller()->latest();
    QCOMPARE(resumed->step, uninterrupted->step);
    QCOMPARE(resumed->curve.size(), size_t(2));
    // The training side of the last point averages the steps since the point before, of which
    // the resumed run saw only its own; the model, and so the test side, is the same.
    QCOMPARE(resumed->curve[1].testLoss, uninterrupted->curve[1].testLoss);
    QCOMPARE(resumed->curve[1].testAccuracy, uninterrupted->curve[1].testAccuracy);
    QCOMPARE(resumed->evaluation.loss, uninterrupted->evaluation.loss);
}

void TestTabSessions::vitSessionWithoutItsImagesIsRefused()
{
    const QString folder = writeImages(QStringLiteral("gone"));
    const QString path = m_files.filePath(QStringLiteral("gone.attnlab"));
    {
        std::unique_ptr<MainWindow> first = openWindow();
        buildVit(*first, folder);
        first->vitPage()->controller()->step();
        QTRY_COMPARE(first->vitPage()->controller()->latest()->step, 1L);
        QVERIFY(first->saveSessionFile(path));
    }
    QVERIFY(QFile::remove(QDir(folder).filePath(QStringLiteral("t10k-images-idx3-ubyte"))));

    std::unique_ptr<MainWindow> second = openWindow();
    const QString other = writeImages(QStringLiteral("other"));
    buildVit(*second, other);
    const std::uint64_t generation = second->vitPage()->controller()->latest()->generation;
    second->showLessonPage();
    QVERIFY(!second->openSessionFile(path));
    QVERIFY2(statusOf(*second).contains(QLatin1String("gone.attnlab")) &&
                 statusOf(*second).contains(QLatin1String("t10k-images")),
             qPrintable(statusOf(*second)));
    QCOMPARE(second->vitPage()->controller()->latest()->generation, generation);
    QCOMPARE(second->vitPage()->controller()->latest()->step, 0L);
    QCOMPARE(second->pages()->currentIndex(), 0);
}

void TestTabSessions::vitImagesNotFromAFolderAreNotSaved()
{
    std::unique_ptr<MainWindow> w = openWindow();
    smallVit(*w->vitPage());
    const QString folder = writeImages(QStringLiteral("made"));
    attnlab::FashionMnist data = attnlab::loadFashionMnist(folder.toStdString());
    QVERIFY(w->vitPage()->setData(std::make_shared<const attnlab::ImageSet>(data.train),
                                  std::make_shared<const attnlab::ImageSet>(data.test),
                                  QStringLiteral("made up")));
    w->showVitPage();
    const QString path = m_files.filePath(QStringLiteral("made.attnlab"));
    QVERIFY(!w->saveSessionFile(path));
    QVERIFY2(statusOf(*w).contains(QLatin1String("folder")), qPrintable(statusOf(*w)));
    QVERIFY(!QFileInfo::exists(path));
}

void TestTabSessions::droppedAndRecentSessionsOpenOnTheirTab()
{
    const QString path = m_files.filePath(QStringLiteral("dropped.attnlab"));
    {
        std::unique_ptr<MainWindow> first = openWindow();
        first->showTransformerPage();
        stepEpochs(*first->transformerPage(), 2);
        QVERIFY(first->saveSessionFile(path));
    }
    std::unique_ptr<MainWindow> w = openWindow();
    w->showLessonPage();
    QMimeData data;
    data.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropped(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(w.get(), &dropped);
    QCOMPARE(w->pages()->currentWidget(), w->transformerPage());
    QCOMPARE(w->transformerPage()->controller()->latest()->sides[0].epoch, 2);
    QVERIFY(w->windowTitle().contains(QLatin1String("dropped.attnlab")));

    w->transformerPage()->resetModels();
    w->showLessonPage();
    QVERIFY(!w->windowTitle().contains(QLatin1String("dropped.attnlab")));
    QAction* recent = nullptr;
    for (QAction* action : w->findChild<QMenu*>(QStringLiteral("recentSessionsMenu"))->actions()) {
        if (action->text() == QLatin1String("dropped.attnlab")) {
            recent = action;
        }
    }
    QVERIFY(recent);
    recent->trigger();
    QCOMPARE(w->pages()->currentWidget(), w->transformerPage());
    QCOMPARE(w->transformerPage()->controller()->latest()->sides[0].epoch, 2);
}

// A Transformer pair that trained is not dropped without asking: closing asks (Cancel keeps
// the window), a save answers it, more training asks again, and Discard closes. A rebuilt model
// that never trained closes without a question.
void TestTabSessions::closingAsksBeforeDroppingATrainedModelOfATab()
{
    const auto question = [](MainWindow& w) {
        return w.findChild<QMessageBox*>(QStringLiteral("saveSessionQuestion"));
    };
    std::unique_ptr<MainWindow> w = openWindow();
    w->showTransformerPage();
    TransformerPage& page = *w->transformerPage();
    smallTransformer(page);
    QVERIFY2(page.apply(), qPrintable(page.message()));
    QVERIFY(w->tabSessions()->modifiedPages().isEmpty());
    stepEpochs(page, 2);
    QCOMPARE(w->tabSessions()->modifiedPages(), QList<QWidget*>{&page});

    w->showLessonPage();
    QVERIFY(!w->close());
    QMessageBox* box = question(*w);
    QVERIFY(box);
    QVERIFY2(box->text().contains(QLatin1String("Transformer: masked against unmasked")),
             qPrintable(box->text()));
    box->button(QMessageBox::Cancel)->click();
    QTRY_VERIFY(!question(*w));
    QVERIFY(w->isVisible());

    w->showTransformerPage();
    QVERIFY(w->saveSessionFile(m_files.filePath(QStringLiteral("asked.attnlab"))));
    QVERIFY(w->tabSessions()->modifiedPages().isEmpty());
    stepEpochs(page, 1);
    QVERIFY(!w->close());
    box = question(*w);
    QVERIFY(box);
    box->button(QMessageBox::Discard)->click();
    QTRY_VERIFY(!w->isVisible());

    std::unique_ptr<MainWindow> fresh = openWindow();
    fresh->showTransformerPage();
    smallTransformer(*fresh->transformerPage());
    QVERIFY(fresh->transformerPage()->apply());
    QVERIFY(fresh->close());
}

// The Transformer pair is autosaved while it trains; a window started while the recovery file
// is there (the run "crashed") offers it, and Recover brings the pair back at its epoch, as an
// unsaved model. A clean close removes the file.
void TestTabSessions::autosaveLetsATabModelBeRecovered()
{
    std::unique_ptr<MainWindow> w = openWindow();
    w->showTransformerPage();
    TransformerPage& page = *w->transformerPage();
    smallTransformer(page);
    QVERIFY2(page.apply(), qPrintable(page.message()));
    const QString recovery = w->tabSessions()->recoveryPath(&page);
    QFile::remove(recovery);
    w->tabSessions()->setAutosaveInterval(std::chrono::milliseconds(20));
    stepEpochs(page, 3);
    QTRY_VERIFY(QFile::exists(recovery));
    QTRY_COMPARE(attnlab::loadTextPairSession(recovery.toStdString()).checkpoints[0].epoch, 3);

    std::unique_ptr<MainWindow> next = openWindow();
    auto* recover = next->findChild<QAction*>(QStringLiteral("recoverSessionAction"));
    QVERIFY(recover->isEnabled());
    recover->trigger();
    QCOMPARE(next->pages()->currentWidget(), next->transformerPage());
    QCOMPARE(next->transformerPage()->controller()->latest()->sides[0].epoch, 3);
    QVERIFY2(statusOf(*next).contains(QLatin1String("Recovered")), qPrintable(statusOf(*next)));
    QVERIFY(!recover->isEnabled());
    QVERIFY(next->tabSessions()->path().isEmpty());
    QCOMPARE(next->tabSessions()->modifiedPages().size(), 1); // unsaved until saved
    next->tabSessions()->closedCleanly();
    QVERIFY(!QFile::exists(recovery));
    w->tabSessions()->closedCleanly();
}

QTEST_MAIN(TestTabSessions)
#include "tst_tabsessions.moc"

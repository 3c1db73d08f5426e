#include "mainwindow.h"

#include "appearance.h"
#include "comparisoncontroller.h"
#include "controlspanel.h"
#include "corpuspanel.h"
#include "exportsettings.h"
#include "figureactions.h"
#include "heatmapview.h"
#include "logging.h"
#include "losschart.h"
#include "matricespanel.h"
#include "sessionkeeper.h"
#include "settingskeys.h"
#include "settingspanel.h"
#include "shortcutsdialog.h"
#include "storedvalue.h"
#include "tabsessions.h"
#include "trainingcontroller.h"
#include "transformerpage.h"
#include "usermessage.h"
#include "vitcontroller.h"
#include "vitpage.h"
#include "vocabpanel.h"

#include <corpus.h>
#include <device.h>
#include <errors.h>

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>

namespace {

constexpr int kMessageMs = 10000;
constexpr int kSidebarWidth = 250;
constexpr int kMargin = 6;
constexpr QSize kDefaultSize(1400, 900);
constexpr int kTopRowHeight = 190; // controls and a loss chart tall enough for its axes

} // namespace

MainWindow::MainWindow(QWidget* parent, const std::string& device)
    : QMainWindow(parent), m_controller(new TrainingController(this))
{
    m_fontSize = font().pointSizeF();
    setWindowTitle(tr("AttnLab"));
    setCentralWidget(createPages());
    QDockWidget* sidebar = createSidebar();
    m_sidebar = sidebar;
    addDockWidget(Qt::LeftDockWidgetArea, sidebar);
    resizeDocks({sidebar}, {kSidebarWidth}, Qt::Horizontal);
    createMenus(sidebar);
    connectPanels();
    connectExports();
    connectSettings();
    restorePanels();
    m_sessions = new SessionKeeper(m_controller, this);
    m_tabSessions = new TabSessions(m_pages, m_transformer, m_vit, this);
    connect(m_pages, &QTabWidget::currentChanged, this, &MainWindow::updateTitle);
    m_sessions->markUnmodified();
    connect(m_sessions, &SessionKeeper::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_sessions, &SessionKeeper::recentFilesChanged, this, &MainWindow::fillRecentMenu);
    fillRecentMenu();
    updateTitle();
    setAcceptDrops(true);
    reportDevice(device);
    offerRecovery();
    resize(kDefaultSize.boundedTo(screen()->availableSize()));
    restoreLayout();
    addAppearance();
}

// Last, so that the window is built and laid out at the usual font: a stored presenter mode
// then comes in as when it is chosen (see changeEvent()).
void MainWindow::addAppearance()
{
    m_appearance = new Appearance(this);
    m_themeMenu->addActions(m_appearance->themeActions());
    m_viewMenu->insertAction(m_fullScreenAction, m_appearance->presenterAction());
}

// The stored settings of each tab, then the lesson built with the Single head's; settings the
// lesson refuses (a context shorter than its sentences) give way to the defaults.
void MainWindow::restorePanels()
{
    const QSettings settings;
    m_settings->restoreSettings(settings);
    m_controls->restoreSettings(settings);
    StoredValue::restoreStyles(settings, SettingsKeys::singleHeadViewStyles, m_matrices->views());
    startLesson();
    m_transformer->restoreSettings(settings);
    m_vit->restoreSettings(settings);
}

void MainWindow::startLesson()
{
    m_controller->setPace(m_controls->pace());
    QString refused;
    try {
        m_controller->rebuild(attnlab::lessonCorpus(), m_settings->config());
    } catch (const attnlab::InputError& error) {
        refused = userMessage(error);
        m_settings->setConfig(attnlab::ToyConfig{});
        m_controller->rebuild(attnlab::lessonCorpus(), m_settings->config());
    }
    m_transformer->setUserCorpus(m_controller->corpus());
    showModel();
    m_controls->showNote(tr("Press Train and watch the row of “the”: it learns to predict "
                            "chicken after man and beef after woman, which a bigram table "
                            "cannot."));
    if (!refused.isEmpty()) {
        m_settings->showError(tr("The stored settings were not used: %1").arg(refused));
    }
}

// Sentences, hyperparameters and vocabulary, in a dock that can be hidden (F9) so that a
// projected room sees only the matrices.
QDockWidget* MainWindow::createSidebar()
{
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(createSidebarContent());
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    m_sidebarScroll = scroll;
    fitSidebar();
    auto* dock = new QDockWidget(tr("Model (F9 hides this panel)"), this);
    dock->setObjectName(QStringLiteral("modelDock"));
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    dock->setWidget(scroll);
    return dock;
}

void MainWindow::fitSidebar()
{
    m_sidebarScroll->setMinimumWidth(m_sidebarScroll->widget()->minimumSizeHint().width() +
                                     m_sidebarScroll->verticalScrollBar()->sizeHint().width());
}

// Full screen left or entered another way: the action follows. Presenter mode's larger font:
// the side panel widens to fit it and the training controls and the loss curve above the
// heatmaps grow with it; leaving it shrinks them back.
void MainWindow::changeEvent(QEvent* event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::WindowStateChange && m_fullScreenAction) {
        const QSignalBlocker blocker(m_fullScreenAction);
        m_fullScreenAction->setChecked(isFullScreen());
    }
    if (event->type() != QEvent::FontChange || !m_viewSplitter || !(m_fontSize > 0)) {
        return;
    }
    const double ratio = font().pointSizeF() / m_fontSize;
    m_fontSize = font().pointSizeF();
    fitSidebar();
    scaleTopRow(ratio);
}

// The training controls and the loss curve, `ratio` times as tall, leaving the heatmaps room.
void MainWindow::scaleTopRow(double ratio)
{
    const QList<int> sizes = m_viewSplitter->sizes();
    if (sizes.size() == 2 && ratio > 0 && ratio != 1.0 && sizes[0] > 0) {
        const int total = sizes[0] + sizes[1];
        const int top = std::clamp(qRound(sizes[0] * ratio), 1, std::max(1, total - kTopRowHeight));
        m_viewSplitter->setSizes({top, total - top});
    }
}

QWidget* MainWindow::createSidebarContent()
{
    auto* content = new QWidget(this);
    m_corpus = new CorpusPanel(content);
    m_settings = new SettingsPanel(content);
    m_vocab = new VocabPanel(content);
    auto* layout = new QVBoxLayout(content);
    layout->addWidget(m_corpus);
    layout->addWidget(m_settings);
    layout->addWidget(m_vocab, 1);
    return content;
}

void MainWindow::createMenus(QDockWidget* sidebar)
{
    createFileMenu();
    createTrainingMenu();
    createViewMenu(sidebar);
    createHelpMenu();
}

void MainWindow::createFileMenu()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Session…"), this, &MainWindow::openSessionDialog);
    open->setObjectName(QStringLiteral("openSessionAction"));
    open->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentSessionsMenu"));
    QAction* save = file->addAction(tr("&Save Session"), this, &MainWindow::saveSession);
    save->setObjectName(QStringLiteral("saveSessionAction"));
    save->setShortcut(QKeySequence::Save);
    save->setStatusTip(tr("Save the Single head tab's sentences, settings, weights and "
                          "training state, to go on later exactly where it stopped"));
    QAction* saveAs = file->addAction(tr("Save Session &As…"), this, [this] { saveSessionAs(); });
    saveAs->setObjectName(QStringLiteral("saveSessionAsAction"));
    saveAs->setShortcut(QKeySequence::SaveAs);
    m_recoverAction =
        file->addAction(tr("Re&cover Unsaved Session"), this, [this] { recoverSession(); });
    m_recoverAction->setObjectName(QStringLiteral("recoverSessionAction"));
    m_recoverAction->setEnabled(false);
    file->addSeparator();
    QAction* exportAll =
        file->addAction(tr("&Export All Views…"), this, &MainWindow::exportAllViews);
    exportAll->setObjectName(QStringLiteral("exportAllViewsAction"));
    exportAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportAll->setStatusTip(tr("Save every heatmap of this sentence and the loss curve as "
                               "PNG, SVG, PDF and data, into one folder"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
}

// The buttons of the tab shown. No bare keys: Space and Return belong to the focused field
// or button.
void MainWindow::createTrainingMenu()
{
    QMenu* training = menuBar()->addMenu(tr("&Training"));
    QAction* train = training->addAction(tr("&Train / Pause"), this, &MainWindow::trainOrPause);
    train->setObjectName(QStringLiteral("trainPauseAction"));
    train->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    train->setStatusTip(tr("Train the model of the tab shown, or pause it"));
    QAction* step = training->addAction(tr("&Step"), this, &MainWindow::stepShownPage);
    step->setObjectName(QStringLiteral("stepAction"));
    step->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
    step->setStatusTip(tr("Train one epoch (one batch on the Vision Transformer tab)"));
    QAction* reset = training->addAction(tr("&Reset"), this, &MainWindow::resetShownPage);
    reset->setObjectName(QStringLiteral("resetAction"));
    reset->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    reset->setStatusTip(tr("Start the model of the tab shown again from its initial weights"));
}

void MainWindow::createViewMenu(QDockWidget* sidebar)
{
    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* toggle = sidebar->toggleViewAction();
    toggle->setText(tr("&Model Panel"));
    toggle->setShortcut(QKeySequence(Qt::Key_F9));
    view->addAction(toggle);
    view->addSeparator();
    addPageAction(view, tr("&Single Head"), 0)->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    addPageAction(view, tr("T&ransformer"), 1)->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    addPageAction(view, tr("&Vision Transformer"), 2)
        ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    view->addSeparator();
    m_viewMenu = view;
    m_themeMenu = view->addMenu(tr("&Theme"));
    m_themeMenu->setObjectName(QStringLiteral("themeMenu"));
    QAction* fullScreen = view->addAction(tr("&Full Screen"));
    m_fullScreenAction = fullScreen;
    fullScreen->setObjectName(QStringLiteral("fullScreenAction"));
    fullScreen->setCheckable(true);
    QList<QKeySequence> keys = QKeySequence::keyBindings(QKeySequence::FullScreen);
    fullScreen->setShortcuts(keys.isEmpty() ? QList<QKeySequence>{Qt::Key_F11} : keys);
    connect(fullScreen, &QAction::toggled, this, &MainWindow::toggleFullScreen);
}

QAction* MainWindow::addPageAction(QMenu* menu, const QString& text, int page)
{
    QAction* action = menu->addAction(text, this, [this, page] { m_pages->setCurrentIndex(page); });
    action->setObjectName(QStringLiteral("showPage%1Action").arg(page + 1));
    return action;
}

void MainWindow::createHelpMenu()
{
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        auto* dialog = new ShortcutsDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    shortcuts->setObjectName(QStringLiteral("keyboardShortcutsAction"));
    shortcuts->setShortcut(QKeySequence::HelpContents);
}

void MainWindow::toggleFullScreen(bool on)
{
    setWindowState(on ? windowState() | Qt::WindowFullScreen
                      : windowState() & ~Qt::WindowFullScreen);
}

// The single head of the lesson on one tab, the transformer side by side on the other.
QWidget* MainWindow::createPages()
{
    m_pages = new QTabWidget(this);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->setDocumentMode(true);
    m_pages->addTab(createViews(), tr("Single head"));
    m_transformer = new TransformerPage(m_pages);
    m_transformer->setObjectName(QStringLiteral("transformerPage"));
    m_pages->addTab(m_transformer, tr("Transformer: masked against unmasked"));
    m_vit = new VitPage(m_pages);
    m_vit->setObjectName(QStringLiteral("vitPage"));
    m_pages->addTab(m_vit, tr("Vision Transformer"));
    connect(m_pages, &QTabWidget::currentChanged, this, &MainWindow::pageChanged);
    return m_pages;
}

// The model panel belongs to the single head: it steps aside on the other pages.
void MainWindow::pageChanged(int index)
{
    if (index != 0) {
        if (m_shownPage == 0) {
            m_sidebarWasVisible = !m_sidebar->isHidden(); // before show(), nothing is visible
        }
        m_sidebar->hide();
    } else if (m_sidebarWasVisible) {
        m_sidebar->show();
    }
    m_shownPage = index;
}

// The training controls and the loss curve above the heatmaps, split so that either can grow.
QWidget* MainWindow::createViews()
{
    auto* top = new QWidget(this);
    m_controls = new ControlsPanel(top);
    m_loss = new LossChart(top);
    m_loss->setObjectName(QStringLiteral("lossChart"));
    m_loss->setMinimumHeight(kTopRowHeight - 20);
    auto* row = new QHBoxLayout(top);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_controls, 2);
    row->addWidget(m_loss, 3);
    m_matrices = new MatricesPanel(this);
    m_viewSplitter = new QSplitter(Qt::Vertical, this);
    m_viewSplitter->addWidget(top);
    m_viewSplitter->addWidget(m_matrices);
    m_viewSplitter->setStretchFactor(1, 1);
    m_viewSplitter->setSizes({kTopRowHeight, kDefaultSize.height() - kTopRowHeight});
    m_viewSplitter->setChildrenCollapsible(false);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(kMargin, kMargin, kMargin, 0);
    layout->addWidget(m_viewSplitter);
    return central;
}

void MainWindow::connectPanels()
{
    connect(m_controller, &TrainingController::frameChanged, this, &MainWindow::showFrame);
    connect(m_corpus, &CorpusPanel::applyRequested, this, &MainWindow::applyCorpus);
    connect(m_controls, &ControlsPanel::trainClicked, this, &MainWindow::train);
    connect(m_controls, &ControlsPanel::pauseClicked, m_controller, &TrainingController::pause);
    connect(m_controls, &ControlsPanel::stepClicked, m_controller, &TrainingController::step);
    connect(m_controls, &ControlsPanel::resetClicked, this, &MainWindow::reset);
    connect(m_controls, &ControlsPanel::paceChanged, m_controller, &TrainingController::setPace);
    connect(m_matrices, &MatricesPanel::evaluateRequested, m_controller,
            &TrainingController::evaluate);
    connect(m_matrices, &MatricesPanel::evaluationCleared, m_controller,
            &TrainingController::clearEvaluation);
}

// Every figure's menu reports what it wrote or copied here.
void MainWindow::connectExports()
{
    for (FigureActions* actions : findChildren<FigureActions*>()) {
        connect(actions, &FigureActions::reported, this, &MainWindow::showStatus);
    }
}

void MainWindow::connectSettings()
{
    connect(m_settings, &SettingsPanel::modelSettingChanged, this, &MainWindow::rebuildFor);
    connect(m_settings, &SettingsPanel::learningRateChanged, this, &MainWindow::setLearningRate);
    connect(m_settings, &SettingsPanel::epochsChanged, this, &MainWindow::setEpochs);
    connect(m_settings, &SettingsPanel::valueRefused, this, &MainWindow::showStatus);
}

// The device is said once, in the status bar, with the reason when the GPU is not used. The
// Vision Transformer trains on the GPU when one is used; the text pages on the CPU.
void MainWindow::reportDevice(const std::string& request)
{
    const attnlab::TrainingDevice chosen = attnlab::chooseTrainingDevice(request);
    const attnlab::DeviceReport& report = chosen.report;
    auto* device = new QLabel(QString::fromStdString(report.description), this);
    device->setObjectName(QStringLiteral("deviceLabel"));
    device->setTextFormat(Qt::PlainText);
    if (chosen.session) {
        m_vit->controller()->setDevice(chosen.session);
        device->setToolTip(tr("The Vision Transformer trains on this GPU; the Single head and "
                              "Transformer pages compute on the CPU."));
    } else {
        device->setToolTip(QString::fromStdString(report.note));
    }
    statusBar()->addPermanentWidget(device);
    if (!report.note.empty()) {
        statusBar()->showMessage(userMessage(report.note), kMessageMs);
    }
}

void MainWindow::applyCorpus(const QString& text)
{
    try {
        m_controller->rebuild(parseSentences(text), m_controller->config());
    } catch (const attnlab::InputError& error) {
        refuseSentences(error);
        return;
    }
    m_corpus->setApplied(text);
    m_corpus->clearError();
    m_transformer->setUserCorpus(m_controller->corpus());
    showModel();
    const int sentences = int(m_controller->corpus().sentences.size());
    announce(sentences == 1
                 ? tr("Applied 1 sentence: new vocabulary and a new model at epoch 0.")
                 : tr("Applied %L1 sentences: new vocabulary and a new model at epoch 0.")
                       .arg(sentences));
}

// The corpus of the typed text, or attnlab::InputError. A sentence longer than the largest
// context the settings offer is refused first: raising the context cannot help it.
attnlab::Corpus MainWindow::parseSentences(const QString& text) const
{
    attnlab::Corpus corpus = attnlab::parseCorpusKeepingLessonOrder(
        text.toStdString(), tr("the sentences").toStdString());
    for (size_t s = 0; s < corpus.sentences.size(); ++s) {
        const int length = int(corpus.sentences[s].size());
        if (length > SettingsPanel::kLargestContext) {
            throw attnlab::InputError(
                tr("sentence %L1 has %L2 tokens (<start> included); the longest context here "
                   "is %3: shorten or split the sentence")
                    .arg(s + 1)
                    .arg(length)
                    .arg(SettingsPanel::kLargestContext)
                    .toStdString());
        }
    }
    attnlab::checkContext(corpus, m_controller->config().context);
    return corpus;
}

void MainWindow::refuseSentences(const std::exception& error)
{
    qCInfo(lcUi) << "sentences refused:" << error.what();
    m_corpus->showError(userMessage(error));
    statusBar()->showMessage(tr("Sentences not applied: %1").arg(userMessage(error)), kMessageMs);
}

void MainWindow::rebuildFor(const QString& setting)
{
    try {
        m_controller->rebuild(m_controller->corpus(), m_settings->config());
    } catch (const attnlab::InputError& error) {
        qCInfo(lcUi) << "setting refused:" << setting << error.what();
        const QString message = tr("The %1 was not changed: %2").arg(setting, userMessage(error));
        m_settings->setConfig(m_controller->config());
        m_settings->showError(message);
        statusBar()->showMessage(message, kMessageMs);
        return;
    }
    showModel();
    announce(
        tr("Changed the %1: the model was rebuilt and starts again from epoch 0.").arg(setting));
}

void MainWindow::setLearningRate(double learningRate)
{
    try {
        m_controller->setLearningRate(learningRate);
    } catch (const attnlab::InputError& error) {
        m_settings->setConfig(m_controller->config());
        m_settings->showError(userMessage(error));
        return;
    }
    announce(tr("Learning rate %1 applies from the next step; the model was kept.")
                 .arg(learningRate, 0, 'g', 3));
}

void MainWindow::setEpochs(int epochs)
{
    m_controller->setEpochs(epochs);
    announce(epochs == 1 ? tr("Training now runs for 1 epoch; the model was kept.")
                         : tr("Training now runs for %L1 epochs; the model was kept.").arg(epochs));
}

void MainWindow::train()
{
    m_controls->showNote(QString());
    m_controller->train();
}

void MainWindow::showLessonPage()
{
    m_pages->setCurrentIndex(0);
}

void MainWindow::trainOrPause()
{
    if (m_pages->currentWidget() == m_transformer) {
        m_transformer->trainOrPause();
    } else if (m_pages->currentWidget() == m_vit) {
        m_vit->trainOrPause();
    } else if (m_controller->latest() &&
               runStateOf(*m_controller->latest()) == RunState::Training) {
        m_controller->pause();
    } else {
        train();
    }
}

void MainWindow::stepShownPage()
{
    if (m_pages->currentWidget() == m_transformer) {
        m_transformer->stepOnce();
    } else if (m_pages->currentWidget() == m_vit) {
        m_vit->stepOnce();
    } else {
        m_controller->step();
    }
}

void MainWindow::resetShownPage()
{
    if (m_pages->currentWidget() == m_transformer) {
        m_transformer->resetModels();
    } else if (m_pages->currentWidget() == m_vit) {
        m_vit->resetModel();
    } else {
        reset();
    }
}

void MainWindow::showTransformerPage()
{
    m_pages->setCurrentWidget(m_transformer);
}

void MainWindow::showVitPage()
{
    m_pages->setCurrentWidget(m_vit);
}

void MainWindow::trainShownPage()
{
    if (m_pages->currentWidget() == m_transformer) {
        m_transformer->controller()->train();
    } else if (m_pages->currentWidget() == m_vit) {
        if (!m_vit->controller()->hasModel()) {
            m_vit->loadFashionMnist();
        }
        m_vit->controller()->train();
    } else {
        train();
    }
}

void MainWindow::reset()
{
    m_controller->reset();
    announce(
        tr("Reset: the initial weights of seed %1, at epoch 0.").arg(m_controller->config().seed));
}

// After a rebuild: the panels that depend on the corpus or the shapes.
void MainWindow::showModel()
{
    m_vocab->setVocab(m_controller->corpus().vocab);
    m_matrices->setCorpus(m_controller->corpus());
    m_corpus->setContext(m_controller->config().context);
    showFrame();
}

void MainWindow::showFrame()
{
    const std::shared_ptr<const TrainingFrame> frame = m_controller->latest();
    if (!frame) {
        return;
    }
    m_controls->showFrame(*frame);
    m_loss->setLosses(frame->snapshot.epochLosses);
    m_matrices->showFrame(frame);
}

void MainWindow::announce(const QString& text)
{
    m_controls->showNote(text);
    statusBar()->showMessage(text, kMessageMs);
}

QStringList MainWindow::exportAllViewsTo(const QString& folder)
{
    const double dpi = ExportSettings::dpi();
    QStringList written;
    for (const HeatmapView* view : m_matrices->views()) {
        const FigureSource source = view->figureSource();
        written += source.exportAll(folder, source.inches, dpi);
    }
    const FigureSource loss = m_loss->figureSource();
    written += loss.exportAll(folder, loss.inches, dpi);
    return written;
}

void MainWindow::exportAllViews()
{
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Export all views into a folder"), ExportSettings::folder());
    QStringList stems{m_loss->figureSource().name};
    for (const HeatmapView* view : m_matrices->views()) {
        stems << view->exportName();
    }
    if (folder.isEmpty() || !FigureActions::confirmReplacing(this, folder, stems)) {
        return;
    }
    try {
        const QStringList written = exportAllViewsTo(folder);
        ExportSettings::setFolder(QDir(folder).absolutePath());
        showStatus(FigureActions::writtenMessage(folder, written));
    } catch (const attnlab::InputError& error) {
        QMessageBox::warning(this, tr("Export failed"),
                             tr("Not every view was exported. %1").arg(userMessage(error)));
    }
}

void MainWindow::showStatus(const QString& text)
{
    statusBar()->showMessage(text, kMessageMs);
}

void MainWindow::restoreLayout()
{
    const QSettings settings;
    restoreGeometry(settings.value(SettingsKeys::windowGeometry).toByteArray());
    restoreState(settings.value(SettingsKeys::windowState).toByteArray());
    m_viewSplitter->restoreState(settings.value(SettingsKeys::viewSplitter).toByteArray());
    const auto page =
        StoredValue::wholeNumber(settings.value(SettingsKeys::shownPage), 0, m_pages->count() - 1);
    m_pages->setCurrentIndex(page.value_or(0));
}

// The model panel is stored as the Single head tab has it, even when another tab hides it.
void MainWindow::saveLayout()
{
    if (m_shownPage != 0) {
        m_sidebar->setVisible(m_sidebarWasVisible);
    }
    // The rows above the heatmaps as at the usual font: presenter mode scales them again.
    scaleTopRow(m_appearance->baseFont().pointSizeF() / m_fontSize);
    QSettings settings;
    settings.setValue(SettingsKeys::windowGeometry, saveGeometry());
    settings.setValue(SettingsKeys::windowState, saveState());
    settings.setValue(SettingsKeys::viewSplitter, m_viewSplitter->saveState());
    settings.setValue(SettingsKeys::shownPage, m_pages->currentIndex());
    m_settings->saveSettings(settings);
    m_controls->saveSettings(settings);
    StoredValue::storeStyles(settings, SettingsKeys::singleHeadViewStyles, m_matrices->views());
    m_transformer->saveSettings(settings);
    m_vit->saveSettings(settings);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_corpus->hasUnappliedText() && !m_discardConfirmed) {
        event->ignore();
        askToDiscardSentences();
        return;
    }
    if (m_sessions->isModified() && !m_sessionDiscarded) {
        event->ignore();
        askToSaveSession();
        return;
    }
    const QList<QWidget*> trained = m_tabSessions->modifiedPages();
    if (!trained.isEmpty() && !m_tabModelsDiscarded) {
        event->ignore();
        askToSaveTabModels(trained);
        return;
    }
    saveLayout();
    m_sessions->closedCleanly();
    m_tabSessions->closedCleanly();
    QMainWindow::closeEvent(event);
}

// Window-modal like the question about the sentences: Save, Discard or Cancel.
void MainWindow::askToSaveSession()
{
    if (findChild<QMessageBox*>(QStringLiteral("saveSessionQuestion"))) {
        return;
    }
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Save the session?"),
                        tr("The model on the Single head tab has trained since it was "
                           "last saved. Save the session before closing?"),
                        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("saveSessionQuestion"));
    box->setDefaultButton(QMessageBox::Save);
    box->setWindowModality(Qt::WindowModal);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box] {
        box->setObjectName(QString());
        if (box->clickedButton() == box->button(QMessageBox::Discard)) {
            m_sessionDiscarded = true;
            close();
        } else if (box->clickedButton() == box->button(QMessageBox::Save)) {
            showLessonPage(); // Save saves the model of the tab shown
            const bool saved = m_sessions->path().isEmpty() ? saveSessionAs()
                                                            : saveSessionFile(m_sessions->path());
            if (saved) {
                close();
            }
        }
    });
    box->open();
}

// The same question for the other tabs' models. Save saves the first of them (showing its tab)
// and closes again, which asks about the next; Discard drops them all.
void MainWindow::askToSaveTabModels(const QList<QWidget*>& pages)
{
    if (findChild<QMessageBox*>(QStringLiteral("saveSessionQuestion"))) {
        return;
    }
    QStringList names;
    for (QWidget* page : pages) {
        names << m_pages->tabText(m_pages->indexOf(page)).remove(QLatin1Char('&'));
    }
    const QString text =
        pages.size() == 1
            ? tr("The model on the %1 tab has trained since it was last saved. Save the "
                 "session before closing?")
                  .arg(names.first())
            : tr("The models on the %1 tabs have trained since they were last saved. Save "
                 "the session of the %2 tab before closing?")
                  .arg(names.join(tr(" and ")), names.first());
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Save the session?"), text,
                        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("saveSessionQuestion"));
    box->setDefaultButton(QMessageBox::Save);
    box->setWindowModality(Qt::WindowModal);
    box->setAttribute(Qt::WA_DeleteOnClose);
    QWidget* first = pages.first();
    connect(box, &QMessageBox::finished, this, [this, box, first] {
        box->setObjectName(QString());
        if (box->clickedButton() == box->button(QMessageBox::Discard)) {
            m_tabModelsDiscarded = true;
            close();
        } else if (box->clickedButton() == box->button(QMessageBox::Save)) {
            m_pages->setCurrentWidget(first);
            const QString path = m_tabSessions->path();
            if (path.isEmpty() ? saveSessionAs() : saveSessionFile(path)) {
                close();
            }
        }
    });
    box->open();
}

std::map<std::string, std::string> MainWindow::viewOfWindow() const
{
    return {{"page", std::to_string(m_pages->currentIndex())},
            {"splitter", m_viewSplitter->saveState().toBase64().toStdString()}};
}

bool MainWindow::openSessionFile(const QString& path)
{
    if (const std::optional<bool> opened = openTabSession(path)) {
        return *opened;
    }
    try {
        applySession(SessionKeeper::read(path), path);
    } catch (const attnlab::InputError& error) {
        showStatus(tr("Session not opened, the model shown stays: %1").arg(userMessage(error)));
        return false;
    }
    showStatus(tr("Opened %1: epoch %2, step %3.")
                   .arg(QFileInfo(path).fileName())
                   .arg(m_controller->latest()->snapshot.epoch)
                   .arg(m_controller->latest()->snapshot.step));
    return true;
}

// Restores the model, then the panels that show its sentences and settings, then the view.
void MainWindow::applySession(const attnlab::ToySession& session, const QString& path)
{
    m_controller->restore(session);
    QStringList lines;
    for (const std::string& sentence : session.sentences) {
        lines << QString::fromStdString(sentence);
    }
    m_corpus->setText(lines.join(u'\n'));
    m_corpus->setApplied(m_corpus->text());
    m_corpus->clearError();
    m_settings->setConfig(m_controller->config());
    m_transformer->setUserCorpus(m_controller->corpus());
    showModel();
    const auto page = session.view.find("page");
    if (page != session.view.end()) {
        m_pages->setCurrentIndex(
            std::clamp(std::atoi(page->second.c_str()), 0, m_pages->count() - 1));
    }
    const auto splitter = session.view.find("splitter");
    if (splitter != session.view.end()) {
        m_viewSplitter->restoreState(
            QByteArray::fromBase64(QByteArray::fromStdString(splitter->second)));
    }
    m_sessionDiscarded = false;
    m_sessions->opened(path);
    updateTitle();
}

bool MainWindow::saveSessionFile(const QString& path)
{
    if (m_tabSessions->handlesShownTab()) {
        return saveTabSession(path);
    }
    try {
        m_sessions->save(path, viewOfWindow());
    } catch (const attnlab::InputError& error) {
        showStatus(tr("Session not saved: %1").arg(userMessage(error)));
        return false;
    }
    showStatus(tr("Saved the session to %1.").arg(QDir::toNativeSeparators(path)));
    updateTitle();
    return true;
}

// A session of the Transformer or Vision Transformer tab: whether it opened. Nothing for a file
// left to the Single head tab.
std::optional<bool> MainWindow::openTabSession(const QString& path)
{
    try {
        if (!m_tabSessions->open(path)) {
            return std::nullopt;
        }
    } catch (const attnlab::InputError& error) {
        showStatus(tr("Session not opened, the model shown stays: %1").arg(userMessage(error)));
        return false;
    }
    m_sessions->remember(path);
    showStatus(tr("Opened %1 in the %2 tab.")
                   .arg(QFileInfo(path).fileName(), m_pages->tabText(m_pages->currentIndex())));
    updateTitle();
    return true;
}

bool MainWindow::saveTabSession(const QString& path)
{
    try {
        m_tabSessions->save(path);
    } catch (const attnlab::InputError& error) {
        showStatus(tr("Session not saved: %1").arg(userMessage(error)));
        return false;
    }
    m_sessions->remember(path);
    showStatus(tr("Saved the session to %1.").arg(QDir::toNativeSeparators(path)));
    updateTitle();
    return true;
}

void MainWindow::openSessionDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open a session"), QString(), tr("AttnLab sessions (*.attnlab);;All files (*)"));
    if (!path.isEmpty()) {
        openSessionFile(path);
    }
}

void MainWindow::saveSession()
{
    const QString path =
        m_tabSessions->handlesShownTab() ? m_tabSessions->path() : m_sessions->path();
    if (path.isEmpty()) {
        saveSessionAs();
    } else {
        saveSessionFile(path);
    }
}

bool MainWindow::saveSessionAs()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Save the session"), sessionSuggestion(),
                                                tr("AttnLab sessions (*.attnlab)"));
    if (path.isEmpty()) {
        return false;
    }
    if (QFileInfo(path).suffix().isEmpty()) {
        path += QStringLiteral(".attnlab");
    }
    return saveSessionFile(path);
}

// Where Save As starts: the shown tab's current file, or a name of the tab's own.
QString MainWindow::sessionSuggestion() const
{
    if (m_tabSessions->handlesShownTab()) {
        return m_tabSessions->path().isEmpty() ? m_tabSessions->defaultName()
                                               : m_tabSessions->path();
    }
    return m_sessions->path().isEmpty() ? QStringLiteral("lesson.attnlab") : m_sessions->path();
}

void MainWindow::fillRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = m_sessions->recentFiles();
    for (const QString& file : files) {
        m_recentMenu
            ->addAction(QFileInfo(file).fileName(), this, [this, file] { openSessionFile(file); })
            ->setToolTip(file);
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

// The last run did not close cleanly: say so once, and let File → Recover bring it back.
void MainWindow::offerRecovery()
{
    if (!m_sessions->foundRecovery() && !m_tabSessions->foundRecovery()) {
        return;
    }
    m_recoverAction->setEnabled(true);
    showStatus(tr("AttnLab did not close cleanly last time: File → Recover Unsaved Session "
                  "brings back the model as it was autosaved."));
}

// Every tab's autosaved model there is; the Single head tab's is shown last.
bool MainWindow::recoverSession()
{
    QStringList recovered;
    QStringList faults;
    m_tabSessions->recover(recovered, faults);
    bool lesson = false;
    if (QFile::exists(m_sessions->recoveryPath())) {
        try {
            applySession(SessionKeeper::read(m_sessions->recoveryPath()), QString());
            lesson = true;
        } catch (const attnlab::InputError& error) {
            faults << userMessage(error);
        }
    }
    if (!faults.isEmpty()) {
        showStatus(tr("The autosaved session cannot be recovered: %1").arg(faults.join(u' ')));
        return false;
    }
    m_recoverAction->setEnabled(false);
    if (lesson) {
        showStatus(tr("Recovered the autosaved session: epoch %1. Save it to keep it.")
                       .arg(m_controller->latest()->snapshot.epoch));
    } else {
        showStatus(tr("Recovered the autosaved model of the %1 tab. Save it to keep it.")
                       .arg(recovered.join(tr(" and "))));
    }
    return true;
}

// The shown tab's current file; the modified mark is the Single head tab's.
void MainWindow::updateTitle()
{
    const bool tabFile = m_tabSessions && m_tabSessions->handlesShownTab();
    const QString path = tabFile ? m_tabSessions->path() : m_sessions->path();
    const QString name =
        path.isEmpty() ? QString() : QStringLiteral(" — ") + QFileInfo(path).fileName();
    setWindowTitle(tr("AttnLab") + name + QStringLiteral("[*]"));
    setWindowModified(!tabFile && m_sessions->isModified());
}

// Session files open, text files go into the sentence editor, pictures to the Vision
// Transformer.
void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) {
        for (const QUrl& url : event->mimeData()->urls()) {
            if (url.isLocalFile()) {
                event->acceptProposedAction();
                return;
            }
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile() && openDroppedFile(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
    }
}

bool MainWindow::openDroppedFile(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("attnlab")) {
        return openSessionFile(path);
    }
    if (suffix == QLatin1String("txt")) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly) || file.size() > 16 * 1024 * 1024) {
            showStatus(tr("%1 cannot be read as sentences").arg(QFileInfo(path).fileName()));
            return false;
        }
        m_pages->setCurrentIndex(0);
        m_corpus->setText(QString::fromUtf8(file.readAll()));
        showStatus(tr("The sentences of %1 are in the editor: press Apply to train on them.")
                       .arg(QFileInfo(path).fileName()));
        return true;
    }
    m_pages->setCurrentWidget(m_vit);
    return m_vit->openImage(path);
}

// Window-modal and answered through a signal, so nothing waits in a nested event loop.
void MainWindow::askToDiscardSentences()
{
    if (findChild<QMessageBox*>(QStringLiteral("discardQuestion"))) {
        return; // already asked
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Discard the sentences?"),
                                tr("The sentence editor holds text that was not applied. "
                                   "Close AttnLab and discard it?"),
                                QMessageBox::Discard | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("discardQuestion"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setWindowModality(Qt::WindowModal);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box] {
        box->setObjectName(QString()); // closing: a new close may ask again
        if (box->clickedButton() == box->button(QMessageBox::Discard)) {
            m_discardConfirmed = true;
            close();
        }
    });
    box->open();
}

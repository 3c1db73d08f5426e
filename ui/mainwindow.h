// The one window of the lesson: sentences, hyperparameters and vocabulary in a dock on the
// left; the training controls and the loss curve above the heatmaps.
//
// The window only wires things together: each panel draws its part, the TrainingController
// runs the trainer on its worker thread, and the core parses and validates. What the user
// changes goes to the controller; what the controller publishes goes to the panels.
//
// Closing the window while the sentence editor holds text that was not applied asks first,
// in a window-modal box ("discardQuestion"), whether to discard it.
//
// File → Export all views… writes every heatmap of the selected sentence and the loss curve
// into one folder; each figure's own menu exports it alone. What was written is said in the
// status bar.
//
// Training → Train/Pause, Step and Reset act on the tab shown. View switches tabs, shows the
// model panel, chooses the theme and presenter mode (Appearance) and full screen; Help lists
// every shortcut. Each tab's settings and view choices are stored when the window closes and
// restored when it opens (see settingskeys.h); a stored value the model refuses gives way to
// the default.
#pragma once

#include <corpus.h>
#include <session.h>

#include <QMainWindow>
#include <QStringList>

#include <exception>
#include <map>
#include <optional>
#include <string>

class Appearance;
class ControlsPanel;
class CorpusPanel;
class LossChart;
class MatricesPanel;
class QDockWidget;
class QLabel;
class QScrollArea;
class QSplitter;
class SettingsPanel;
class QMenu;
class QTabWidget;
class SessionKeeper;
class TabSessions;
class TrainingController;
class TransformerPage;
class VitPage;
class VocabPanel;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // `device`: where the Vision Transformer trains, "auto" (a GPU when one can be used),
    // "cpu" or "gpu" (attnlab::chooseTrainingDevice; an unknown word throws InputError). The
    // text pages compute on the CPU. The status bar says which device is used, and why not the
    // GPU when it is not.
    explicit MainWindow(QWidget* parent, const std::string& device = "auto");

    TrainingController* controller() const { return m_controller; }
    // The tabs of the window: "Single head" (the lesson's head) and "Transformer".
    QTabWidget* pages() const { return m_pages; }
    TransformerPage* transformerPage() const { return m_transformer; }
    VitPage* vitPage() const { return m_vit; }
    // Session files of the Single head tab (File menu, drag and drop). Each returns false with
    // the reason in the status bar, keeping the model shown, when the file is refused.
    bool openSessionFile(const QString& path);
    bool saveSessionFile(const QString& path);
    // Restores the session the autosave kept when the last run did not close cleanly.
    bool recoverSession();
    SessionKeeper* sessions() const { return m_sessions; }
    // Session files of the Transformer and Vision Transformer tabs; the methods above go
    // through it first.
    TabSessions* tabSessions() const { return m_tabSessions; }

    // Shows the Single head page (for --lesson), the Transformer page (--transformer) or the
    // Vision Transformer page (--vit), whatever page was stored.
    void showLessonPage();
    void showTransformerPage();
    void showVitPage();
    Appearance* appearance() const { return m_appearance; }
    // Starts training on the page shown (for --train).
    void trainShownPage();

    // Every heatmap of the selected sentence and the loss curve, in every format, into
    // `folder` (created if needed), each at its size on screen and the remembered DPI,
    // replacing files of the same names. Returns the files written; throws
    // attnlab::InputError naming the file and the fault.
    QStringList exportAllViewsTo(const QString& folder);

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QDockWidget* createSidebar();
    QWidget* createSidebarContent();
    void fitSidebar();
    void scaleTopRow(double ratio);
    void addAppearance();
    void createMenus(QDockWidget* sidebar);
    void createFileMenu();
    void createTrainingMenu();
    void createViewMenu(QDockWidget* sidebar);
    void createHelpMenu();
    QAction* addPageAction(QMenu* menu, const QString& text, int page);
    void trainOrPause();
    void stepShownPage();
    void resetShownPage();
    void toggleFullScreen(bool on);
    void restorePanels();
    void connectExports();
    void exportAllViews();
    void showStatus(const QString& text);
    QWidget* createViews();
    QWidget* createPages();
    void pageChanged(int index);
    void connectPanels();
    void connectSettings();
    void startLesson();
    void reportDevice(const std::string& request);
    void restoreLayout();
    void saveLayout();

    void applyCorpus(const QString& text);
    attnlab::Corpus parseSentences(const QString& text) const;
    void refuseSentences(const std::exception& error);
    void askToDiscardSentences();
    void askToSaveSession();
    void askToSaveTabModels(const QList<QWidget*>& pages);
    void applySession(const attnlab::ToySession& session, const QString& path);
    std::map<std::string, std::string> viewOfWindow() const;
    void openSessionDialog();
    std::optional<bool> openTabSession(const QString& path);
    bool saveTabSession(const QString& path);
    QString sessionSuggestion() const;
    void saveSession();
    bool saveSessionAs();
    void fillRecentMenu();
    void offerRecovery();
    void updateTitle();
    bool openDroppedFile(const QString& path);
    void rebuildFor(const QString& setting);
    void setLearningRate(double learningRate);
    void setEpochs(int epochs);
    void train();
    void reset();
    void showModel();
    void showFrame();
    void announce(const QString& text);

    TrainingController* m_controller = nullptr;
    Appearance* m_appearance = nullptr;
    CorpusPanel* m_corpus = nullptr;
    SettingsPanel* m_settings = nullptr;
    VocabPanel* m_vocab = nullptr;
    ControlsPanel* m_controls = nullptr;
    LossChart* m_loss = nullptr;
    MatricesPanel* m_matrices = nullptr;
    QSplitter* m_viewSplitter = nullptr;
    QTabWidget* m_pages = nullptr;
    TransformerPage* m_transformer = nullptr;
    VitPage* m_vit = nullptr;
    QDockWidget* m_sidebar = nullptr;
    QScrollArea* m_sidebarScroll = nullptr;
    double m_fontSize = 0.0;         // points, to scale the rows above the heatmaps with the font
    bool m_sidebarWasVisible = true; // before another page hid it
    int m_shownPage = 0;
    bool m_discardConfirmed = false;   // the user chose to close without the unapplied sentences
    bool m_sessionDiscarded = false;   // … or without saving the trained model
    bool m_tabModelsDiscarded = false; // … or the other tabs' trained models
    SessionKeeper* m_sessions = nullptr;
    TabSessions* m_tabSessions = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_themeMenu = nullptr;
    QAction* m_fullScreenAction = nullptr;
    QAction* m_recoverAction = nullptr;
};

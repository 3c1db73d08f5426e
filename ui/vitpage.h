// The Vision Transformer page: a small ViT trained live on Fashion-MNIST, and where it looks.
//
// Top: where the images come from (Debian's dataset-fashion-mnist, found by itself, or a
// folder the user picks), the model's sizes and Apply, then Train/Pause, Step, Reset, a
// progress bar for the epoch and what the model has reached. Two tabs below:
//   Attention  the selected image with its patch grid and, over it, the class token's attention
//              over the patches (a layer and head, their mean, or the rollout over layers);
//              clicking a patch shows where that patch attends instead (again: back to the
//              class token). Beside it the whole patch-to-patch attention as a heatmap, the
//              prediction, and a gallery of test images with predicted and true labels to
//              pick from; Open image… shows the user's own picture through the model.
//   Training   training and test loss, test accuracy, and the confusion matrix; drawn while
//              the tab is shown (brought up to date when it is shown).
//
// The data set loads when the page is first shown (or through setData() in tests); a missing
// or broken data set is named in the message line, with what to do, and the page stays usable.
#pragma once

#include <imageset.h>
#include <vitsession.h>
#include <vittrainer.h>

#include <QLatin1StringView>
#include <QString>
#include <QVariant>
#include <QWidget>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

class HeatmapView;
class ImageGallery;
class LossChart;
class PatchOverlayView;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
class QTabWidget;
class StatusLabel;
class VitController;
struct VitFrame;

class VitPage : public QWidget
{
    Q_OBJECT
public:
    explicit VitPage(QWidget* parent);

    VitController* controller() const { return m_controller; }

    // Uses these image sets (e.g. in tests) and builds a model from the settings shown.
    // `source` says where they came from. Returns false, with the reason in the message line,
    // when the settings or the sets are refused.
    bool setData(std::shared_ptr<const attnlab::ImageSet> train,
                 std::shared_ptr<const attnlab::ImageSet> test, const QString& source);
    // Loads Fashion-MNIST from `folder` (empty: found automatically). Returns false, keeping
    // what was loaded before, with the reason in the message line.
    bool loadFashionMnist(const QString& folder = QString());
    // Builds a model from the settings shown on the loaded data.
    bool apply();
    // Shows the user's picture through the model (converted as imageinput.h says). Returns
    // false with the reason in the message line.
    bool openImage(const QString& path);
    // Train or pause, one batch, and a fresh model: what the buttons do, for the window's
    // shortcuts. Nothing happens before a model is built.
    void trainOrPause();
    void stepOnce();
    void resetModel();
    // The images folder, the model's settings, the attention chosen and the view tab as stored
    // in QSettings; they apply when the images load (see loadFashionMnist()). A stored value a
    // widget does not take keeps the widget's default.
    void restoreSettings(const QSettings& settings);
    void saveSettings(QSettings& settings) const;
    // The model's session (vitsession.h) with the folder the images were read from. Throws
    // attnlab::InputError when the images shown were not read from a folder (setData()), since
    // a session could not find them again, or when there is no model.
    attnlab::VitSession session() const;
    // Reads the images the session names (loadSessionImages), then shows its model paused where
    // it stopped, with its settings and curves. Throws attnlab::InputError naming the folder
    // and what is missing, or what does not fit; the images and the model shown then stay.
    void restoreSession(const attnlab::VitSession& session);
    // The view choices (layer, head, inner tab) for a session's view map.
    std::map<std::string, std::string> viewMap() const;
    // The patch whose attention the overlay shows, or -1 for the class token.
    int queryPatch() const { return m_queryPatch; }
    void setQueryPatch(int patch);

    PatchOverlayView* overlay() const { return m_overlay; }
    HeatmapView* patchAttention() const { return m_patchAttention; }
    ImageGallery* gallery() const { return m_gallery; }
    HeatmapView* confusion() const { return m_confusion; }
    LossChart* lossChart() const { return m_loss; }
    LossChart* accuracyChart() const { return m_accuracy; }
    QProgressBar* progress() const { return m_progress; }
    QString message() const;
    QString status() const;
    QString prediction() const;

protected:
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void applyView(const std::function<QVariant(QLatin1StringView)>& value);
    QWidget* createSettings();
    QWidget* createControls();
    QWidget* createAttentionTab();
    QWidget* createTrainingTab();
    void connectControls();
    attnlab::VitTrainConfig configFromWidgets() const;
    void updateChoices();
    void showFrame();
    void showImage(const VitFrame& frame);
    void showProgress(const VitFrame& frame);
    void showTraining(const VitFrame& frame);
    void showMessage(const QString& text, bool error);
    void chooseFolder();
    void chooseImage();
    void chooseAttention();
    void fitProgress();
    void restoreModelSettings(const QSettings& settings);
    void showConfig(const attnlab::VitTrainConfig& config);

    VitController* m_controller = nullptr;
    std::shared_ptr<const attnlab::ImageSet> m_train;
    std::shared_ptr<const attnlab::ImageSet> m_test;
    QString m_source;
    // Where the images shown were read from; nothing when they were given (setData()).
    std::optional<attnlab::VitDataSource> m_dataSource;
    bool m_triedLoading = false;
    int m_queryPatch = -1;
    bool m_startHint = false; // the message line says to press Train, until training starts
    QString m_folder;         // the images folder the user chose; empty: found by itself
    int m_wantedLayer = 1;    // the attention chosen, kept while a new model has fewer layers
    int m_wantedHead = -1;    //   or heads, and chosen again when one has as many

    QLabel* m_dataLabel = nullptr;
    QPushButton* m_folderButton = nullptr;
    QComboBox* m_patch = nullptr;
    QSpinBox* m_embed = nullptr;
    QSpinBox* m_heads = nullptr;
    QSpinBox* m_headSize = nullptr;
    QSpinBox* m_layers = nullptr;
    QSpinBox* m_mlpWidth = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_seed = nullptr;
    QPushButton* m_apply = nullptr;
    QPushButton* m_trainButton = nullptr;
    QPushButton* m_step = nullptr;
    QPushButton* m_reset = nullptr;
    QProgressBar* m_progress = nullptr;
    StatusLabel* m_status = nullptr; // changes with every frame: lays nothing out again
    QLabel* m_message = nullptr;

    QTabWidget* m_tabs = nullptr;
    QSpinBox* m_layer = nullptr;
    QComboBox* m_head = nullptr;
    QPushButton* m_openImage = nullptr;
    StatusLabel* m_prediction = nullptr; // as m_status
    PatchOverlayView* m_overlay = nullptr;
    HeatmapView* m_patchAttention = nullptr;
    ImageGallery* m_gallery = nullptr;
    LossChart* m_loss = nullptr;
    LossChart* m_accuracy = nullptr;
    HeatmapView* m_confusion = nullptr;
};

// The Transformer page: the same sentences through a causal model (GPT, left) and a model
// trained without the mask or on masked tokens (BERT, right), trained together from the same
// seed, side by side.
//
// Top: the text (a preset, or the sentences of the Single head page), the model's parts and
// sizes, and Apply, which builds both models afresh; then Train/Pause, Step and Reset, and
// what each model has reached. Below, three tabs:
//   Side by side    the attention of the chosen layer and head (or the mean of the heads, or
//                   the rollout) of both models, their difference, both models' predictions
//                   and both loss curves in one chart. Masked cells draw as masked.
//   Layers × heads  a grid of small maps per model, one per layer and head plus the mean;
//                   clicking one shows it large in Side by side.
//   Per layer       what each position would predict if the model stopped after each layer.
// With the masked-token objective on the right, clicking a token (a row of the right model's
// attention or predictions) masks it or unmasks it, and the right predictions show what the
// model puts in that slot.
//
// Settings are read when Apply is pressed; a refused one is named in the page's message line
// and the models stay as they were. Sentences longer than the context are cut, and the page
// says which.
#pragma once

#include "comparisonheatmaps.h"

#include <corpus.h>
#include <textsession.h>
#include <texttrainer.h>

#include <QLatin1StringView>
#include <QList>
#include <QString>
#include <QVariant>
#include <QWidget>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

class ComparisonController;
class HeatmapView;
class LossChart;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QSettings;
class QSpinBox;
class QTabWidget;
class StatusLabel;

class TransformerPage : public QWidget
{
    Q_OBJECT
public:
    explicit TransformerPage(QWidget* parent);

    ComparisonController* controller() const { return m_controller; }

    // The sentences the "Single head page" text choice uses.
    void setUserCorpus(const attnlab::Corpus& corpus);
    // Builds both models from the settings as shown. Returns false, with the reason in the
    // message line, when a setting or the text is refused (the models then stay).
    bool apply();
    // Train or pause both models, one epoch of each, and both back to epoch 0: what the
    // buttons do, for the window's shortcuts.
    void trainOrPause();
    void stepOnce();
    void resetModels();
    // The settings strip and the view (attention chosen, sentence, view tab) as stored in
    // QSettings: the settings are applied, and when the models refuse them the defaults are
    // built instead; a stored value a widget does not take keeps the widget's default.
    void restoreSettings(const QSettings& settings);
    void saveSettings(QSettings& settings) const;
    // Both models of a session (textsession.h), paused where it stopped, with its text and
    // settings in the strip. Throws attnlab::InputError, keeping the models and the strip, when
    // the session does not fit.
    void restoreSession(const attnlab::TextPairSession& session);
    // The view choices (layer, head, sentence, side, inner tab) for a session's view map.
    std::map<std::string, std::string> viewMap() const;
    // The attention map shown large.
    AttentionChoice choice() const { return m_choice; }
    void setChoice(const AttentionChoice& choice);
    // Token positions masked on a masked-token right model (empty: the last token).
    const std::vector<int>& maskedPositions() const { return m_masked; }
    // Masks or unmasks position `row` of the sentence shown (not <start>).
    void toggleMask(int row);

    HeatmapView* leftAttention() const { return m_leftAttention; }
    HeatmapView* rightAttention() const { return m_rightAttention; }
    HeatmapView* difference() const { return m_difference; }
    HeatmapView* leftPredictions() const { return m_leftPredictions; }
    HeatmapView* rightPredictions() const { return m_rightPredictions; }
    LossChart* lossChart() const { return m_loss; }
    // Thumbnails of the layer × head tab: side 0 left, 1 right; row-major, L × (N + 1), the
    // mean last in each row.
    const QList<HeatmapView*>& grid(int side) const { return m_grid[side]; }
    const QList<HeatmapView*>& layerViews() const { return m_layerViews; }
    QString message() const;
    QString status() const;

private:
    QWidget* createSettings();
    QWidget* createControls();
    QWidget* createSideBySide();
    QWidget* createGridTab();
    QWidget* createLayerTab();
    void connectControls();
    void presetChanged();
    std::optional<attnlab::Corpus> chosenCorpus();
    attnlab::TextConfig configFromWidgets() const;
    void rebuildGrids();
    void rebuildLayerViews();
    void updateChoiceWidgets();
    void choiceWidgetsChanged();
    void sentenceChanged();
    void restoreModelSettings(const QSettings& settings);
    void restoreView(const QSettings& settings);
    void applyView(const std::function<QVariant(QLatin1StringView)>& value);
    void showConfig(const attnlab::TextConfig& config);
    void listSentences();
    QList<HeatmapView*> fixedViews() const;
    void showFrame();
    void showStatusOf(const struct ComparisonFrame& frame);
    void showGrids(const struct ComparisonFrame& frame);
    void showLayerViews(const struct ComparisonFrame& frame);
    void showMessage(const QString& text, bool error);

    ComparisonController* m_controller = nullptr;
    std::optional<attnlab::Corpus> m_userCorpus;
    AttentionChoice m_choice;
    std::vector<int> m_masked;
    int m_layersBuilt = 0;
    int m_headsBuilt = 0;

    QComboBox* m_text = nullptr;
    QLabel* m_textNote = nullptr;
    QSpinBox* m_layers = nullptr;
    QSpinBox* m_heads = nullptr;
    QSpinBox* m_embed = nullptr;
    QSpinBox* m_headSize = nullptr;
    QSpinBox* m_mlpWidth = nullptr;
    QCheckBox* m_mlp = nullptr;
    QCheckBox* m_layerNorm = nullptr;
    QCheckBox* m_residual = nullptr;
    QDoubleSpinBox* m_dropout = nullptr;
    QSpinBox* m_context = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_rightObjective = nullptr;
    QPushButton* m_apply = nullptr;
    QWidget* m_settingsBox = nullptr;

    QPushButton* m_train = nullptr;
    QPushButton* m_step = nullptr;
    QPushButton* m_reset = nullptr;
    StatusLabel* m_status = nullptr; // changes with every frame: lays nothing out again
    QLabel* m_message = nullptr;
    QComboBox* m_sentence = nullptr;
    QSpinBox* m_layer = nullptr;
    QComboBox* m_head = nullptr;
    QLabel* m_slotNote = nullptr;

    QTabWidget* m_tabs = nullptr;
    HeatmapView* m_leftAttention = nullptr;
    HeatmapView* m_rightAttention = nullptr;
    HeatmapView* m_difference = nullptr;
    HeatmapView* m_leftPredictions = nullptr;
    HeatmapView* m_rightPredictions = nullptr;
    LossChart* m_loss = nullptr;
    QGridLayout* m_gridLayout[2] = {nullptr, nullptr};
    QList<HeatmapView*> m_grid[2];
    QComboBox* m_layerSide = nullptr;
    QGridLayout* m_layerLayout = nullptr;
    QList<HeatmapView*> m_layerViews;
};

// Every QSettings key the application reads or writes, kept in one place.
#pragma once

#include <QLatin1StringView>

namespace SettingsKeys {

// The main window's geometry, its docks and the sizes of its splitter, restored at start.
inline constexpr QLatin1StringView windowGeometry{"mainWindow/geometry"};
inline constexpr QLatin1StringView windowState{"mainWindow/state"};
inline constexpr QLatin1StringView viewSplitter{"mainWindow/viewSplitter"};

// Where figures and data were last exported, at what DPI and in which figure format.
inline constexpr QLatin1StringView exportFolder{"export/folder"};
inline constexpr QLatin1StringView exportDpi{"export/dpi"};
inline constexpr QLatin1StringView exportFigureFormat{"export/figureFormat"};

// The session files opened or saved last, most recent first (absolute paths).
inline constexpr QLatin1StringView recentSessions{"sessions/recent"};

// View ▸ Theme ("system", "light" or "dark") and View ▸ Presenter Mode (true or false), stored
// when chosen.
inline constexpr QLatin1StringView theme{"view/theme"};
inline constexpr QLatin1StringView presenterMode{"view/presenterMode"};

// Everything below is stored when the window closes and read back when it opens; a value out of
// range or of the wrong type reads as the default (see storedvalue.h).

// The tab shown: 0 Single head, 1 Transformer, 2 Vision Transformer.
inline constexpr QLatin1StringView shownPage{"mainWindow/page"};

// The Single head tab: the hyperparameters of the model panel, the training speed, and each
// heatmap's colour map, numbers and precision ("name,map,numbers,precision" per heatmap).
inline constexpr QLatin1StringView singleHeadHeadSize{"singleHead/headSize"};
inline constexpr QLatin1StringView singleHeadContext{"singleHead/context"};
inline constexpr QLatin1StringView singleHeadLearningRate{"singleHead/learningRate"};
inline constexpr QLatin1StringView singleHeadEpochs{"singleHead/epochs"};
inline constexpr QLatin1StringView singleHeadSeed{"singleHead/seed"};
inline constexpr QLatin1StringView singleHeadCausal{"singleHead/causal"};
inline constexpr QLatin1StringView singleHeadSkip{"singleHead/skip"};
inline constexpr QLatin1StringView singleHeadOutput{"singleHead/output"};
inline constexpr QLatin1StringView singleHeadPace{"singleHead/pace"};
inline constexpr QLatin1StringView singleHeadViewStyles{"singleHead/viewStyles"};

// The Transformer tab: its settings strip, then the attention chosen (layer from 1, head with
// -1 for the mean and -2 for the rollout), the sentence, the view tab and the per-layer side.
inline constexpr QLatin1StringView transformerText{"transformer/text"};
inline constexpr QLatin1StringView transformerRight{"transformer/rightObjective"};
inline constexpr QLatin1StringView transformerLayers{"transformer/layers"};
inline constexpr QLatin1StringView transformerHeads{"transformer/heads"};
inline constexpr QLatin1StringView transformerEmbed{"transformer/embed"};
inline constexpr QLatin1StringView transformerHeadSize{"transformer/headSize"};
inline constexpr QLatin1StringView transformerMlpWidth{"transformer/mlpWidth"};
inline constexpr QLatin1StringView transformerMlp{"transformer/mlp"};
inline constexpr QLatin1StringView transformerLayerNorm{"transformer/layerNorm"};
inline constexpr QLatin1StringView transformerResidual{"transformer/residual"};
inline constexpr QLatin1StringView transformerDropout{"transformer/dropout"};
inline constexpr QLatin1StringView transformerContext{"transformer/context"};
inline constexpr QLatin1StringView transformerBatch{"transformer/batch"};
inline constexpr QLatin1StringView transformerLearningRate{"transformer/learningRate"};
inline constexpr QLatin1StringView transformerEpochs{"transformer/epochs"};
inline constexpr QLatin1StringView transformerSeed{"transformer/seed"};
inline constexpr QLatin1StringView transformerLayer{"transformer/layer"};
inline constexpr QLatin1StringView transformerHead{"transformer/head"};
inline constexpr QLatin1StringView transformerSentence{"transformer/sentence"};
inline constexpr QLatin1StringView transformerView{"transformer/view"};
inline constexpr QLatin1StringView transformerLayerSide{"transformer/layerSide"};
inline constexpr QLatin1StringView transformerViewStyles{"transformer/viewStyles"};

// The Vision Transformer tab: the images folder chosen (empty: found by itself), the model's
// settings, the attention chosen (as on the Transformer tab) and the view tab.
inline constexpr QLatin1StringView vitFolder{"vit/folder"};
inline constexpr QLatin1StringView vitPatch{"vit/patch"};
inline constexpr QLatin1StringView vitEmbed{"vit/embed"};
inline constexpr QLatin1StringView vitHeads{"vit/heads"};
inline constexpr QLatin1StringView vitHeadSize{"vit/headSize"};
inline constexpr QLatin1StringView vitLayers{"vit/layers"};
inline constexpr QLatin1StringView vitMlpWidth{"vit/mlpWidth"};
inline constexpr QLatin1StringView vitBatch{"vit/batch"};
inline constexpr QLatin1StringView vitLearningRate{"vit/learningRate"};
inline constexpr QLatin1StringView vitEpochs{"vit/epochs"};
inline constexpr QLatin1StringView vitSeed{"vit/seed"};
inline constexpr QLatin1StringView vitLayer{"vit/layer"};
inline constexpr QLatin1StringView vitHead{"vit/head"};
inline constexpr QLatin1StringView vitView{"vit/view"};
inline constexpr QLatin1StringView vitViewStyles{"vit/viewStyles"};

} // namespace SettingsKeys

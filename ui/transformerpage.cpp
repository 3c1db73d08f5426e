#include "transformerpage.h"

#include "comparisoncontroller.h"
#include "errortext.h"
#include "heatmapview.h"
#include "losschart.h"
#include "sentenceheatmaps.h"
#include "settingskeys.h"
#include "statuslabel.h"
#include "storedvalue.h"
#include "usermessage.h"

#include <errors.h>
#include <presets.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

namespace {

constexpr int kSmallestContext = 8; // the context a text gets at least
constexpr int kLargestContext = 64;
constexpr int kThumbnail = 170; // side of a layer × head thumbnail, pixels
const QString kUserText = QStringLiteral("user");

QSpinBox* spin(QWidget* parent, const char* name, int low, int high, int value)
{
    auto* box = new QSpinBox(parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setRange(low, high);
    box->setValue(value);
    return box;
}

QDoubleSpinBox* decimalSpin(QWidget* parent, const char* name, double low, double high, double step,
                            int decimals, double value)
{
    auto* box = new QDoubleSpinBox(parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setDecimals(decimals);
    box->setRange(low, high);
    box->setSingleStep(step);
    box->setValue(value);
    return box;
}

QCheckBox* check(QWidget* parent, const QString& text, const char* name, const QString& tip)
{
    auto* box = new QCheckBox(text, parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setChecked(true);
    box->setToolTip(tip);
    return box;
}

HeatmapView* view(QWidget* parent, const char* name, const HeatmapStyle& style)
{
    auto* v = new HeatmapView(parent);
    v->setObjectName(QString::fromLatin1(name));
    v->setStyle(style);
    v->setExportName(QString::fromLatin1(name));
    return v;
}

QString lossText(const ComparisonSide& side)
{
    if (side.epochLosses.empty()) {
        return QStringLiteral("–");
    }
    return QString::number(side.epochLosses.back(), 'f', 4);
}

QString sideName(attnlab::Objective objective)
{
    switch (objective) {
    case attnlab::Objective::Causal:
        return TransformerPage::tr("causal (GPT)");
    case attnlab::Objective::Unmasked:
        return TransformerPage::tr("no mask");
    case attnlab::Objective::Masked:
        return TransformerPage::tr("masked tokens (BERT)");
    }
    return {};
}

} // namespace

TransformerPage::TransformerPage(QWidget* parent)
    : QWidget(parent), m_controller(new ComparisonController(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_settingsBox = createSettings();
    layout->addWidget(m_settingsBox);
    layout->addWidget(createControls());
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("transformerViews"));
    m_tabs->addTab(createSideBySide(), tr("Side by side"));
    m_tabs->addTab(createGridTab(), tr("Layers × heads"));
    m_tabs->addTab(createLayerTab(), tr("Per layer"));
    layout->addWidget(m_tabs, 1);
    connectControls();
    presetChanged();
    apply();
}

QWidget* TransformerPage::createSettings()
{
    auto* box = new QGroupBox(tr("Text and model (Apply builds both models afresh)"), this);
    m_text = new QComboBox(box);
    m_text->setObjectName(QStringLiteral("transformerText"));
    for (const attnlab::Preset& preset : attnlab::presets()) {
        m_text->addItem(QString::fromUtf8(preset.title.data(), qsizetype(preset.title.size())),
                        QString::fromUtf8(preset.name.data(), qsizetype(preset.name.size())));
    }
    m_text->addItem(tr("Sentences of the Single head page"), kUserText);
    m_textNote = new QLabel(box);
    m_textNote->setWordWrap(true);
    m_layers = spin(box, "layersSpin", 1, 8, 1);
    m_layers->setToolTip(tr("L: blocks stacked one on another"));
    m_heads = spin(box, "headsSpin", 1, 16, 2);
    m_heads->setToolTip(tr("N: attention heads per block; each has H/N dimensions"));
    m_embed = spin(box, "embedSpin", 1, 512, 16);
    m_embed->setToolTip(tr("E: width of the token and position embeddings"));
    m_headSize = spin(box, "headSizeSpin", 1, 512, 16);
    m_headSize->setToolTip(tr("H: width of all heads together (a multiple of N)"));
    m_mlpWidth = spin(box, "mlpWidthSpin", 1, 2048, 32);
    m_mlpWidth->setToolTip(tr("F: hidden width of the MLP"));
    m_mlp = check(box, tr("MLP"), "mlpCheck", tr("An MLP with GELU after attention"));
    m_layerNorm = check(box, tr("Layer norm"), "layerNormCheck",
                        tr("Layer normalization before attention and MLP (pre-norm)"));
    m_residual = check(box, tr("Skip-add"), "residualCheck",
                       tr("Residual connections: each part adds to its input"));
    m_dropout = decimalSpin(box, "dropoutSpin", 0.0, 0.9, 0.05, 2, 0.0);
    m_dropout->setToolTip(tr("Dropout while training; off for what is shown"));
    m_context = spin(box, "contextSpin", 2, kLargestContext, kSmallestContext);
    m_context->setToolTip(tr("T: the longest sentence the models take; longer ones are cut"));
    m_batch = spin(box, "batchSpin", 1, 512, 2);
    m_batch->setToolTip(tr("Sentences per step, padded to the longest"));
    m_learningRate = decimalSpin(box, "transformerLearningRate", 1e-5, 1.0, 1e-3, 5, 3e-3);
    m_epochs = spin(box, "transformerEpochs", 1, 1000000, 300);
    m_seed = spin(box, "seedSpin", 0, 1000000, 5);
    m_seed->setToolTip(tr("Both models start from the same numbers"));
    m_rightObjective = new QComboBox(box);
    m_rightObjective->setObjectName(QStringLiteral("rightObjective"));
    m_rightObjective->addItem(tr("next token, no mask (sees ahead)"),
                              int(attnlab::Objective::Unmasked));
    m_rightObjective->addItem(tr("masked tokens (BERT)"), int(attnlab::Objective::Masked));
    for (QComboBox* combo : {m_text, m_rightObjective}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(14);
    }
    m_apply = new QPushButton(tr("Apply"), box);
    m_apply->setObjectName(QStringLiteral("transformerApply"));

    // Text and objective on top, then the sizes, then training: rows of their own, so that
    // the strip fits a 1280-pixel screen.
    auto* rows = new QVBoxLayout(box);
    QHBoxLayout* row = nullptr;
    const auto add = [&](const QString& label, QWidget* w) {
        row->addWidget(new QLabel(label, box));
        row->addWidget(w);
        row->addSpacing(8);
    };
    const auto newRow = [&] {
        row = new QHBoxLayout;
        rows->addLayout(row);
    };
    newRow();
    add(tr("Text"), m_text);
    add(tr("Right model"), m_rightObjective);
    row->addWidget(m_apply);
    row->addStretch(1);
    rows->addWidget(m_textNote);
    newRow();
    const std::initializer_list<std::pair<QString, QSpinBox*>> sizes{
        {tr("Layers L"), m_layers},      {tr("Heads N"), m_heads},
        {tr("Embed E"), m_embed},        {tr("Head size H"), m_headSize},
        {tr("MLP width F"), m_mlpWidth}, {tr("Context T"), m_context}};
    for (const auto& [label, w] : sizes) {
        add(label, w);
    }
    row->addStretch(1);
    newRow();
    add(tr("Dropout"), m_dropout);
    add(tr("Batch"), m_batch);
    add(tr("Learning rate"), m_learningRate);
    add(tr("Epochs"), m_epochs);
    add(tr("Seed"), m_seed);
    row->addWidget(m_mlp);
    row->addWidget(m_layerNorm);
    row->addWidget(m_residual);
    row->addStretch(1);
    return box;
}

QWidget* TransformerPage::createControls()
{
    auto* row = new QWidget(this);
    m_train = new QPushButton(tr("Train"), row);
    m_train->setObjectName(QStringLiteral("transformerTrain"));
    m_step = new QPushButton(tr("Step"), row);
    m_step->setObjectName(QStringLiteral("transformerStep"));
    m_step->setToolTip(tr("One epoch of each model"));
    m_reset = new QPushButton(tr("Reset"), row);
    m_reset->setObjectName(QStringLiteral("transformerReset"));
    m_status = new StatusLabel(row);
    m_status->setObjectName(QStringLiteral("transformerStatus"));
    m_message = new QLabel(row);
    m_message->setObjectName(QStringLiteral("transformerMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_sentence = new QComboBox(row);
    m_sentence->setObjectName(QStringLiteral("transformerSentence"));
    m_sentence->setMinimumContentsLength(24);
    m_sentence->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_layer = spin(row, "attentionLayer", 1, 1, 1);
    m_head = new QComboBox(row);
    m_head->setObjectName(QStringLiteral("attentionHead"));

    auto* layout = new QGridLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_train, 0, 0);
    layout->addWidget(m_step, 0, 1);
    layout->addWidget(m_reset, 0, 2);
    layout->addWidget(m_status, 0, 3, 1, 5, Qt::AlignVCenter);
    layout->addWidget(new QLabel(tr("Sentence"), row), 1, 0, Qt::AlignRight);
    layout->addWidget(m_sentence, 1, 1, 1, 2);
    layout->addWidget(new QLabel(tr("Layer"), row), 1, 3, Qt::AlignRight);
    layout->addWidget(m_layer, 1, 4);
    layout->addWidget(new QLabel(tr("Head"), row), 1, 5, Qt::AlignRight);
    layout->addWidget(m_head, 1, 6);
    layout->addWidget(m_message, 1, 7);
    layout->setColumnStretch(7, 1);
    return row;
}

QWidget* TransformerPage::createSideBySide()
{
    auto* page = new QWidget(this);
    const HeatmapStyle probs = SentenceHeatmaps::probabilityStyle();
    m_leftAttention = view(page, "leftAttention", probs);
    m_rightAttention = view(page, "rightAttention", probs);
    m_difference = view(page, "attentionDifference", ComparisonHeatmaps::differenceStyle());
    HeatmapStyle wide = probs;
    wide.squareCells = false;
    m_leftPredictions = view(page, "leftPredictions", wide);
    m_rightPredictions = view(page, "rightPredictions", wide);
    m_loss = new LossChart(page);
    m_loss->setObjectName(QStringLiteral("transformerLoss"));
    m_slotNote = new QLabel(page);
    m_slotNote->setObjectName(QStringLiteral("maskedSlotNote"));
    m_slotNote->setWordWrap(true);

    auto* grid = new QGridLayout(page);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(m_leftAttention, 0, 0);
    grid->addWidget(m_rightAttention, 0, 1);
    grid->addWidget(m_difference, 0, 2);
    grid->addWidget(m_leftPredictions, 1, 0);
    grid->addWidget(m_rightPredictions, 1, 1);
    auto* lossColumn = new QVBoxLayout;
    lossColumn->addWidget(m_loss, 1);
    lossColumn->addWidget(m_slotNote);
    grid->addLayout(lossColumn, 1, 2);
    for (int c = 0; c < 3; ++c) {
        grid->setColumnStretch(c, 1);
    }
    grid->setRowStretch(0, 3);
    grid->setRowStretch(1, 2);
    return page;
}

QWidget* TransformerPage::createGridTab()
{
    auto* scroll = new QScrollArea(this);
    auto* content = new QWidget(scroll);
    auto* row = new QVBoxLayout(content); // one model above the other: a row per layer each
    for (int side = 0; side < 2; ++side) {
        auto* box = new QGroupBox(side == 0 ? tr("Left model") : tr("Right model"), content);
        box->setObjectName(side == 0 ? QStringLiteral("leftGrid") : QStringLiteral("rightGrid"));
        m_gridLayout[side] = new QGridLayout(box);
        row->addWidget(box);
    }
    row->addStretch(1);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    return scroll;
}

QWidget* TransformerPage::createLayerTab()
{
    auto* page = new QWidget(this);
    m_layerSide = new QComboBox(page);
    m_layerSide->setObjectName(QStringLiteral("layerSide"));
    m_layerSide->addItem(tr("Left model"));
    m_layerSide->addItem(tr("Right model"));
    auto* note = new QLabel(tr("Each map applies the final layer norm and projection to a "
                               "layer's output: what the model would predict if it stopped "
                               "there (the “logit lens”)."),
                            page);
    note->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(m_layerSide);
    top->addWidget(note, 1);
    auto* scroll = new QScrollArea(page);
    auto* content = new QWidget(scroll);
    m_layerLayout = new QGridLayout(content);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    auto* layout = new QVBoxLayout(page);
    layout->addLayout(top);
    layout->addWidget(scroll, 1);
    return page;
}

void TransformerPage::connectControls()
{
    connect(m_controller, &ComparisonController::frameChanged, this, &TransformerPage::showFrame);
    connect(m_text, &QComboBox::currentIndexChanged, this, &TransformerPage::presetChanged);
    connect(m_apply, &QPushButton::clicked, this, &TransformerPage::apply);
    connect(m_train, &QPushButton::clicked, this, &TransformerPage::trainOrPause);
    connect(m_step, &QPushButton::clicked, this, &TransformerPage::stepOnce);
    connect(m_reset, &QPushButton::clicked, this, &TransformerPage::resetModels);
    connect(m_sentence, &QComboBox::currentIndexChanged, this, &TransformerPage::sentenceChanged);
    connect(m_layer, &QSpinBox::valueChanged, this, &TransformerPage::choiceWidgetsChanged);
    connect(m_head, &QComboBox::currentIndexChanged, this, &TransformerPage::choiceWidgetsChanged);
    connect(m_layerSide, &QComboBox::currentIndexChanged, this, &TransformerPage::showFrame);
    connect(m_tabs, &QTabWidget::currentChanged, this, &TransformerPage::showFrame);
    for (HeatmapView* v : {m_rightAttention, m_rightPredictions}) {
        connect(v, &HeatmapView::cellClicked, this, [this](int row, int) { toggleMask(row); });
    }
}

void TransformerPage::setUserCorpus(const attnlab::Corpus& corpus)
{
    m_userCorpus = corpus;
    if (m_text->currentData().toString() == kUserText) {
        presetChanged();
    }
}

// A new text: its note, and a context that fits its longest sentence.
void TransformerPage::presetChanged()
{
    const std::optional<attnlab::Corpus> corpus = chosenCorpus();
    const QString name = m_text->currentData().toString();
    const attnlab::Preset* preset = attnlab::findPreset(name.toStdString());
    if (preset) {
        m_textNote->setText(
            QString::fromUtf8(preset->description.data(), qsizetype(preset->description.size())));
    } else {
        m_textNote->setText(tr("The sentences applied on the Single head page."));
    }
    if (corpus) {
        m_context->setValue(std::clamp(corpus->longest(), kSmallestContext, kLargestContext));
    }
}

std::optional<attnlab::Corpus> TransformerPage::chosenCorpus()
{
    const QString name = m_text->currentData().toString();
    if (name == kUserText) {
        return m_userCorpus;
    }
    const attnlab::Preset* preset = attnlab::findPreset(name.toStdString());
    if (!preset) {
        return std::nullopt;
    }
    return attnlab::presetCorpus(*preset);
}

attnlab::TextConfig TransformerPage::configFromWidgets() const
{
    attnlab::TextConfig c;
    c.model.layers = m_layers->value();
    c.model.heads = m_heads->value();
    c.model.embed = m_embed->value();
    c.model.headSize = m_headSize->value();
    c.model.mlpWidth = m_mlpWidth->value();
    c.model.mlp = m_mlp->isChecked();
    c.model.layerNorm = m_layerNorm->isChecked();
    c.model.residual = m_residual->isChecked();
    c.model.dropout = m_dropout->value();
    c.model.context = m_context->value();
    c.model.seed = std::uint64_t(m_seed->value());
    c.batchSize = m_batch->value();
    c.learningRate = m_learningRate->value();
    c.epochs = m_epochs->value();
    c.shuffle = true;
    return c;
}

bool TransformerPage::apply()
{
    std::optional<attnlab::Corpus> corpus = chosenCorpus();
    if (!corpus) {
        showMessage(tr("Not applied: no sentences yet. Apply sentences on the Single head page "
                       "or choose a preset."),
                    true);
        return false;
    }
    ComparisonSetup setup;
    setup.config = configFromWidgets();
    setup.right = attnlab::Objective(m_rightObjective->currentData().toInt());
    if (const QString name = m_text->currentData().toString(); name != kUserText) {
        setup.preset = name.toStdString();
    }
    std::vector<std::string> cut;
    try {
        cut =
            attnlab::fitToContext(*corpus, setup.config.model.context, attnlab::LongSentences::Cut);
        setup.corpus = std::move(*corpus);
        m_controller->rebuild(std::move(setup));
    } catch (const attnlab::InputError& error) {
        showMessage(tr("Not applied, the models stay as they were: %1").arg(userMessage(error)),
                    true);
        return false;
    }
    const attnlab::Corpus& used = m_controller->setup().corpus;
    {
        const QSignalBlocker block(m_sentence);
        m_sentence->clear();
        for (size_t s = 0; s < used.sentences.size(); ++s) {
            QStringList words;
            for (const std::string& w : used.words(int(s))) {
                words << QString::fromStdString(w);
            }
            words.removeFirst(); // <start>
            m_sentence->addItem(QStringLiteral("%1. %2").arg(s + 1).arg(words.join(u' ')));
        }
    }
    m_masked.clear();
    updateChoiceWidgets();
    rebuildGrids();
    rebuildLayerViews();
    const int count = int(used.sentences.size());
    QString text = count == 1
                       ? tr("Built two models on 1 sentence, from the same seed.")
                       : tr("Built two models on %L1 sentences, from the same seed.").arg(count);
    if (!cut.empty()) {
        text += u' ' + QString::fromStdString(cut.front()) +
                (cut.size() > 1 ? tr(" (and %L1 more)").arg(cut.size() - 1) : QString()) + u'.';
    }
    showMessage(text, false);
    return true;
}

void TransformerPage::updateChoiceWidgets()
{
    const attnlab::TextConfig& c = m_controller->setup().config;
    const QSignalBlocker blockLayer(m_layer);
    const QSignalBlocker blockHead(m_head);
    m_layer->setRange(1, c.model.layers);
    m_head->clear();
    m_head->addItem(tr("mean of heads"), -1);
    for (int h = 0; h < c.model.heads; ++h) {
        m_head->addItem(tr("head %1").arg(h + 1), h);
    }
    m_head->addItem(tr("rollout (all layers)"), -2);
    m_choice = AttentionChoice{};
    m_layer->setValue(1);
    m_head->setCurrentIndex(0);
}

void TransformerPage::setChoice(const AttentionChoice& choice)
{
    const attnlab::TextConfig& c = m_controller->setup().config;
    m_choice = choice;
    m_choice.layer = std::clamp(choice.layer, 0, c.model.layers - 1);
    m_choice.head = std::clamp(choice.head, -1, c.model.heads - 1);
    const QSignalBlocker blockLayer(m_layer);
    const QSignalBlocker blockHead(m_head);
    m_layer->setValue(m_choice.layer + 1);
    m_head->setCurrentIndex(m_head->findData(m_choice.rollout ? -2 : m_choice.head));
    m_layer->setEnabled(!m_choice.rollout);
    showFrame();
}

void TransformerPage::choiceWidgetsChanged()
{
    const int head = m_head->currentData().toInt();
    setChoice(AttentionChoice{m_layer->value() - 1, std::max(head, -1), head == -2});
}

void TransformerPage::sentenceChanged()
{
    m_masked.clear();
    m_controller->select(m_sentence->currentIndex(), m_masked);
}

void TransformerPage::toggleMask(int row)
{
    if (m_controller->setup().right != attnlab::Objective::Masked || row < 1) {
        return;
    }
    const auto at = std::find(m_masked.begin(), m_masked.end(), row);
    if (at == m_masked.end()) {
        m_masked.push_back(row);
    } else {
        m_masked.erase(at);
    }
    m_controller->select(m_sentence->currentIndex(), m_masked);
}

void TransformerPage::stepOnce()
{
    m_controller->step();
}

void TransformerPage::resetModels()
{
    m_controller->reset();
    showMessage(tr("Both models start again from epoch 0."), false);
}

void TransformerPage::trainOrPause()
{
    const std::shared_ptr<const ComparisonFrame> frame = m_controller->latest();
    if (frame && frame->running) {
        m_controller->pause();
    } else {
        m_controller->train();
    }
}

// L rows of N heads and their mean, per model.
void TransformerPage::rebuildGrids()
{
    const attnlab::TextConfig& c = m_controller->setup().config;
    if (c.model.layers == m_layersBuilt && c.model.heads == m_headsBuilt) {
        return;
    }
    m_layersBuilt = c.model.layers;
    m_headsBuilt = c.model.heads;
    for (int side = 0; side < 2; ++side) {
        qDeleteAll(m_grid[side]);
        m_grid[side].clear();
        QWidget* box = m_gridLayout[side]->parentWidget();
        for (int l = 0; l < c.model.layers; ++l) {
            for (int h = 0; h <= c.model.heads; ++h) {
                auto* v = new HeatmapView(box);
                v->setStyle(ComparisonHeatmaps::thumbnailStyle());
                v->setFixedSize(kThumbnail, kThumbnail);
                const AttentionChoice target{l, h == c.model.heads ? -1 : h, false};
                v->setToolTip(ComparisonHeatmaps::describe(target));
                v->setExportName(QStringLiteral("%1-layer%2-%3")
                                     .arg(side == 0 ? u"left" : u"right")
                                     .arg(l + 1)
                                     .arg(target.head < 0 ? QStringLiteral("mean")
                                                          : QStringLiteral("head%1").arg(h + 1)));
                connect(v, &HeatmapView::cellClicked, this, [this, target] {
                    setChoice(target);
                    m_tabs->setCurrentIndex(0);
                });
                m_gridLayout[side]->addWidget(v, l, h);
                m_grid[side].append(v);
            }
        }
        m_gridLayout[side]->setRowStretch(c.model.layers, 1);
        m_gridLayout[side]->setColumnStretch(c.model.heads + 1, 1);
    }
}

void TransformerPage::rebuildLayerViews()
{
    const int layers = m_controller->setup().config.model.layers;
    if (m_layerViews.size() == layers) {
        return;
    }
    qDeleteAll(m_layerViews);
    m_layerViews.clear();
    HeatmapStyle style = SentenceHeatmaps::probabilityStyle();
    style.squareCells = false;
    for (int l = 0; l < layers; ++l) {
        auto* v = new HeatmapView(m_layerLayout->parentWidget());
        v->setStyle(style);
        v->setExportName(QStringLiteral("layer%1-predictions").arg(l + 1));
        v->setMinimumHeight(220);
        m_layerLayout->addWidget(v, l / 2, l % 2);
        m_layerViews.append(v);
    }
}

void TransformerPage::showFrame()
{
    const std::shared_ptr<const ComparisonFrame> frame = m_controller->latest();
    if (!frame) {
        return;
    }
    showStatusOf(*frame);
    const ComparisonSide& left = frame->sides[0];
    const ComparisonSide& right = frame->sides[1];
    const QString what = ComparisonHeatmaps::describe(m_choice);
    m_leftAttention->setData(ComparisonHeatmaps::attention(
        left.sentence, m_choice, true, tr("Left, %1: %2").arg(sideName(left.objective), what)));
    m_rightAttention->setData(ComparisonHeatmaps::attention(
        right.sentence, m_choice, false, tr("Right, %1: %2").arg(sideName(right.objective), what)));
    m_difference->setData(ComparisonHeatmaps::difference(left.sentence, right.sentence, m_choice));
    m_leftPredictions->setData(ComparisonHeatmaps::predictions(
        left.sentence, left.vocab, tr("Left predictions"), tr("next token")));
    const bool masked = right.objective == attnlab::Objective::Masked;
    m_rightPredictions->setData(ComparisonHeatmaps::predictions(
        right.sentence, right.vocab,
        masked ? tr("Right predictions (read the [MASK] rows)") : tr("Right predictions"),
        masked ? tr("token in the slot") : tr("next token")));
    m_loss->setComparison(tr("left: %1").arg(sideName(left.objective)), left.epochLosses,
                          tr("right: %1").arg(sideName(right.objective)), right.epochLosses);
    m_slotNote->setVisible(masked);
    if (masked) {
        m_slotNote->setText(tr("Click a token in the right model's maps to mask it or unmask "
                               "it; its [MASK] row shows what the model puts there."));
    }
    showGrids(*frame);
    showLayerViews(*frame);
}

void TransformerPage::showGrids(const ComparisonFrame& frame)
{
    if (!m_tabs || m_tabs->currentIndex() != 1) {
        return; // thumbnails are drawn when their tab is shown
    }
    for (int side = 0; side < 2; ++side) {
        const attnlab::TextSentenceSnapshot& s = frame.sides[size_t(side)].sentence;
        const int columns = m_headsBuilt + 1;
        for (int i = 0; i < m_grid[side].size(); ++i) {
            const AttentionChoice target{i / columns,
                                         i % columns == m_headsBuilt ? -1 : i % columns, false};
            // Thumbnails leave the causal mask unmarked (its weights are 0, pale): a legend
            // would take the little room the cells have.
            HeatmapData data = ComparisonHeatmaps::attention(
                s, target, false,
                target.head < 0 ? tr("L%1 mean").arg(target.layer + 1)
                                : tr("L%1 head %2").arg(target.layer + 1).arg(target.head + 1));
            data.rowAxisTitle.clear();
            data.colAxisTitle.clear();
            m_grid[side][i]->setData(std::move(data));
        }
    }
}

void TransformerPage::showLayerViews(const ComparisonFrame& frame)
{
    if (!m_tabs || m_tabs->currentIndex() != 2) {
        return; // drawn when their tab is shown
    }
    const ComparisonSide& chosen = frame.sides[size_t(m_layerSide->currentIndex() == 1)];
    for (int l = 0; l < m_layerViews.size(); ++l) {
        m_layerViews[l]->setData(
            ComparisonHeatmaps::layerPredictions(chosen.sentence, l, chosen.vocab));
    }
}

void TransformerPage::showStatusOf(const ComparisonFrame& frame)
{
    m_train->setText(frame.running ? tr("Pause") : tr("Train"));
    const ComparisonSide& left = frame.sides[0];
    const ComparisonSide& right = frame.sides[1];
    QString text = tr("Epoch %1 of %2 · left loss %3 · right loss %4")
                       .arg(std::max(left.epoch, right.epoch))
                       .arg(m_controller->setup().config.epochs)
                       .arg(lossText(left), lossText(right));
    for (const ComparisonSide* side : {&left, &right}) {
        if (!side->message.empty()) {
            text += QStringLiteral(" · ") + QString::fromStdString(side->message);
        }
    }
    m_status->setText(text);
}

void TransformerPage::showMessage(const QString& text, bool error)
{
    m_message->setText(text);
    if (error) {
        ErrorText::mark(m_message, false);
    } else {
        ErrorText::unmark(m_message);
    }
}

QList<HeatmapView*> TransformerPage::fixedViews() const
{
    return {m_leftAttention, m_rightAttention, m_difference, m_leftPredictions, m_rightPredictions};
}

void TransformerPage::saveSettings(QSettings& settings) const
{
    using namespace SettingsKeys;
    using StoredValue::store;
    store(settings, transformerText, m_text);
    store(settings, transformerRight, m_rightObjective);
    const std::pair<QLatin1StringView, const QSpinBox*> spins[] = {
        {transformerLayers, m_layers},     {transformerHeads, m_heads},
        {transformerEmbed, m_embed},       {transformerHeadSize, m_headSize},
        {transformerMlpWidth, m_mlpWidth}, {transformerContext, m_context},
        {transformerBatch, m_batch},       {transformerEpochs, m_epochs},
        {transformerSeed, m_seed}};
    for (const auto& [key, box] : spins) {
        store(settings, key, box);
    }
    store(settings, transformerMlp, m_mlp);
    store(settings, transformerLayerNorm, m_layerNorm);
    store(settings, transformerResidual, m_residual);
    store(settings, transformerDropout, m_dropout);
    store(settings, transformerLearningRate, m_learningRate);
    settings.setValue(transformerLayer, m_choice.layer + 1);
    settings.setValue(transformerHead, m_choice.rollout ? -2 : m_choice.head);
    settings.setValue(transformerSentence, m_sentence->currentIndex());
    settings.setValue(transformerView, m_tabs->currentIndex());
    settings.setValue(transformerLayerSide, m_layerSide->currentIndex());
    StoredValue::storeStyles(settings, transformerViewStyles, fixedViews());
}

void TransformerPage::restoreSettings(const QSettings& settings)
{
    const int text = m_text->currentIndex();
    const int right = m_rightObjective->currentIndex();
    const attnlab::TextConfig built = m_controller->setup().config;
    restoreModelSettings(settings);
    if (!apply()) {
        // A stored combination the models refuse (e.g. a head size that is not a multiple
        // of the heads): the models built before stay, and the strip shows them again.
        const QString refused = message();
        m_text->setCurrentIndex(text);
        m_rightObjective->setCurrentIndex(right);
        showConfig(built);
        showMessage(tr("The stored settings were not used: %1").arg(refused), true);
    }
    restoreView(settings);
}

void TransformerPage::showConfig(const attnlab::TextConfig& c)
{
    m_layers->setValue(c.model.layers);
    m_heads->setValue(c.model.heads);
    m_embed->setValue(c.model.embed);
    m_headSize->setValue(c.model.headSize);
    m_mlpWidth->setValue(c.model.mlpWidth);
    m_mlp->setChecked(c.model.mlp);
    m_layerNorm->setChecked(c.model.layerNorm);
    m_residual->setChecked(c.model.residual);
    m_dropout->setValue(c.model.dropout);
    m_context->setValue(c.model.context);
    m_seed->setValue(int(c.model.seed));
    m_batch->setValue(c.batchSize);
    m_learningRate->setValue(c.learningRate);
    m_epochs->setValue(c.epochs);
}

// The text first: a new text sets a context that fits it, which the stored context replaces.
void TransformerPage::restoreModelSettings(const QSettings& settings)
{
    using namespace SettingsKeys;
    using StoredValue::restore;
    restore(settings, transformerText, m_text);
    restore(settings, transformerRight, m_rightObjective);
    const std::pair<QLatin1StringView, QSpinBox*> spins[] = {
        {transformerLayers, m_layers},     {transformerHeads, m_heads},
        {transformerEmbed, m_embed},       {transformerHeadSize, m_headSize},
        {transformerMlpWidth, m_mlpWidth}, {transformerContext, m_context},
        {transformerBatch, m_batch},       {transformerEpochs, m_epochs},
        {transformerSeed, m_seed}};
    for (const auto& [key, box] : spins) {
        restore(settings, key, box);
    }
    restore(settings, transformerMlp, m_mlp);
    restore(settings, transformerLayerNorm, m_layerNorm);
    restore(settings, transformerResidual, m_residual);
    restore(settings, transformerDropout, m_dropout);
    restore(settings, transformerLearningRate, m_learningRate);
}

void TransformerPage::restoreView(const QSettings& settings)
{
    applyView([&settings](QLatin1StringView key) { return settings.value(key); });
    StoredValue::restoreStyles(settings, SettingsKeys::transformerViewStyles, fixedViews());
}

std::map<std::string, std::string> TransformerPage::viewMap() const
{
    using namespace SettingsKeys;
    using StoredValue::viewEntry;
    return {viewEntry(transformerLayer, m_choice.layer + 1),
            viewEntry(transformerHead, m_choice.rollout ? -2 : m_choice.head),
            viewEntry(transformerSentence, m_sentence->currentIndex()),
            viewEntry(transformerLayerSide, m_layerSide->currentIndex()),
            viewEntry(transformerView, m_tabs->currentIndex())};
}

// The view choices from stored values; one that does not fit the models shown is left as it is.
void TransformerPage::applyView(const std::function<QVariant(QLatin1StringView)>& value)
{
    using namespace SettingsKeys;
    const attnlab::TextConfig& c = m_controller->setup().config;
    const auto layer = StoredValue::wholeNumber(value(transformerLayer), 1, c.model.layers);
    const auto head = StoredValue::wholeNumber(value(transformerHead), -2, c.model.heads - 1);
    if (layer && head) {
        setChoice(AttentionChoice{*layer - 1, std::max(*head, -1), *head == -2});
    }
    const auto sentence =
        StoredValue::wholeNumber(value(transformerSentence), 0, m_sentence->count() - 1);
    if (sentence) {
        m_sentence->setCurrentIndex(*sentence);
    }
    const auto side = StoredValue::wholeNumber(value(transformerLayerSide), 0, 1);
    if (side) {
        m_layerSide->setCurrentIndex(*side);
    }
    const auto tab = StoredValue::wholeNumber(value(transformerView), 0, m_tabs->count() - 1);
    if (tab) {
        m_tabs->setCurrentIndex(*tab);
    }
}

void TransformerPage::restoreSession(const attnlab::TextPairSession& session)
{
    m_controller->restore(session);
    const ComparisonSetup& setup = m_controller->setup();
    const int preset = m_text->findData(QString::fromStdString(setup.preset));
    if (setup.preset.empty() || preset < 0) {
        m_userCorpus = setup.corpus;
        m_text->setCurrentIndex(m_text->findData(kUserText));
    } else {
        m_text->setCurrentIndex(preset);
    }
    presetChanged();
    m_rightObjective->setCurrentIndex(std::max(0, m_rightObjective->findData(int(setup.right))));
    showConfig(setup.config);
    listSentences();
    m_masked.clear();
    updateChoiceWidgets();
    rebuildGrids();
    rebuildLayerViews();
    applyView(
        [&session](QLatin1StringView key) { return StoredValue::viewValue(session.view, key); });
    showMessage(tr("Opened a session: both models paused at epoch %1.")
                    .arg(m_controller->latest()->sides[0].epoch),
                false);
}

// The sentences of the models, in the sentence chooser.
void TransformerPage::listSentences()
{
    const attnlab::Corpus& used = m_controller->setup().corpus;
    const QSignalBlocker block(m_sentence);
    m_sentence->clear();
    for (size_t s = 0; s < used.sentences.size(); ++s) {
        QStringList words;
        for (const std::string& w : used.words(int(s))) {
            words << QString::fromStdString(w);
        }
        words.removeFirst(); // <start>
        m_sentence->addItem(QStringLiteral("%1. %2").arg(s + 1).arg(words.join(u' ')));
    }
}

QString TransformerPage::message() const
{
    return m_message->text();
}

QString TransformerPage::status() const
{
    return m_status->text();
}

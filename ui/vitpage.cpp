#include "vitpage.h"

#include "errortext.h"
#include "heatmapview.h"
#include "imagegallery.h"
#include "imageinput.h"
#include "losschart.h"
#include "patchoverlayview.h"
#include "sentenceheatmaps.h"
#include "settingskeys.h"
#include "statuslabel.h"
#include "storedvalue.h"
#include "usermessage.h"
#include "vitcontroller.h"

#include <errors.h>
#include <idx.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace {

constexpr int kMeanHeads = -1;
constexpr int kRollout = -2;

QSpinBox* spin(QWidget* parent, const char* name, int low, int high, int value)
{
    auto* box = new QSpinBox(parent);
    box->setObjectName(QString::fromLatin1(name));
    box->setRange(low, high);
    box->setValue(value);
    return box;
}

QString className(int label)
{
    if (label < 0 || label >= int(attnlab::kFashionClasses.size())) {
        return label < 0 ? VitPage::tr("unknown") : QString::number(label);
    }
    const std::string_view name = attnlab::kFashionClasses[size_t(label)];
    return QString::fromUtf8(name.data(), qsizetype(name.size()));
}

QStringList classNames(int classes)
{
    QStringList names;
    for (int c = 0; c < classes; ++c) {
        names << className(c);
    }
    return names;
}

// "cls", then "r1c1", "r1c2", … for the patches, 1-based as people count.
QStringList tokenLabels(int patchRows, int patchCols)
{
    QStringList labels{QStringLiteral("cls")};
    for (int r = 0; r < patchRows; ++r) {
        for (int c = 0; c < patchCols; ++c) {
            labels << QStringLiteral("r%1c%2").arg(r + 1).arg(c + 1);
        }
    }
    return labels;
}

} // namespace

VitPage::VitPage(QWidget* parent) : QWidget(parent), m_controller(new VitController(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(createSettings());
    layout->addWidget(createControls());
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("vitViews"));
    m_tabs->addTab(createAttentionTab(), tr("Attention"));
    m_tabs->addTab(createTrainingTab(), tr("Training"));
    layout->addWidget(m_tabs, 1);
    connectControls();
    updateChoices();
    showMessage(tr("Fashion-MNIST loads when this page is first shown."), false);
}

QWidget* VitPage::createSettings()
{
    auto* box = new QGroupBox(tr("Images and model (Apply builds the model afresh)"), this);
    m_dataLabel = new QLabel(tr("No images loaded."), box);
    m_dataLabel->setObjectName(QStringLiteral("vitData"));
    m_dataLabel->setWordWrap(true);
    m_folderButton = new QPushButton(tr("Images folder…"), box);
    m_folderButton->setToolTip(tr("A folder with the four Fashion-MNIST IDX files (.gz or not)"));
    m_patch = new QComboBox(box);
    m_patch->setObjectName(QStringLiteral("vitPatch"));
    m_patch->addItem(tr("7×7 (16 patches)"), 7);
    m_patch->addItem(tr("4×4 (49 patches)"), 4);
    m_embed = spin(box, "vitEmbed", 1, 512, 64);
    m_heads = spin(box, "vitHeads", 1, 16, 4);
    m_headSize = spin(box, "vitHeadSize", 1, 512, 64);
    m_layers = spin(box, "vitLayers", 1, 8, 2);
    m_mlpWidth = spin(box, "vitMlpWidth", 1, 2048, 128);
    m_batch = spin(box, "vitBatch", 1, 4096, 64);
    m_learningRate = new QDoubleSpinBox(box);
    m_learningRate->setObjectName(QStringLiteral("vitLearningRate"));
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(1e-5, 1.0);
    m_learningRate->setSingleStep(1e-4);
    m_learningRate->setValue(1e-3);
    m_epochs = spin(box, "vitEpochs", 1, 1000, 3);
    m_seed = spin(box, "vitSeed", 0, 1000000, 1);
    m_apply = new QPushButton(tr("Apply"), box);
    m_apply->setObjectName(QStringLiteral("vitApply"));

    auto* rows = new QVBoxLayout(box);
    auto* top = new QHBoxLayout;
    top->addWidget(m_dataLabel, 1);
    top->addWidget(m_folderButton);
    rows->addLayout(top);
    auto* row = new QHBoxLayout;
    const auto add = [&](const QString& label, QWidget* w) {
        row->addWidget(new QLabel(label, box));
        row->addWidget(w);
        row->addSpacing(6);
    };
    add(tr("Patch"), m_patch);
    add(tr("Embed E"), m_embed);
    add(tr("Heads N"), m_heads);
    add(tr("Head size H"), m_headSize);
    add(tr("Layers L"), m_layers);
    add(tr("MLP F"), m_mlpWidth);
    row->addStretch(1);
    rows->addLayout(row);
    row = new QHBoxLayout;
    add(tr("Batch"), m_batch);
    add(tr("Learning rate"), m_learningRate);
    add(tr("Epochs"), m_epochs);
    add(tr("Seed"), m_seed);
    row->addWidget(m_apply);
    row->addStretch(1);
    rows->addLayout(row);
    return box;
}

QWidget* VitPage::createControls()
{
    auto* row = new QWidget(this);
    m_trainButton = new QPushButton(tr("Train"), row);
    m_trainButton->setObjectName(QStringLiteral("vitTrain"));
    m_step = new QPushButton(tr("Step"), row);
    m_step->setObjectName(QStringLiteral("vitStep"));
    m_step->setToolTip(tr("One batch"));
    m_reset = new QPushButton(tr("Reset"), row);
    m_reset->setObjectName(QStringLiteral("vitReset"));
    m_progress = new QProgressBar(row);
    m_progress->setObjectName(QStringLiteral("vitProgress"));
    fitProgress();
    m_status = new StatusLabel(row);
    m_status->setObjectName(QStringLiteral("vitStatus"));
    m_message = new QLabel(row);
    m_message->setObjectName(QStringLiteral("vitMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QGridLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_trainButton, 0, 0);
    layout->addWidget(m_step, 0, 1);
    layout->addWidget(m_reset, 0, 2);
    layout->addWidget(m_progress, 0, 3);
    layout->addWidget(m_status, 0, 4, Qt::AlignVCenter);
    layout->addWidget(m_message, 1, 0, 1, 5);
    layout->setColumnStretch(4, 1);
    return row;
}

QWidget* VitPage::createAttentionTab()
{
    auto* page = new QWidget(this);
    m_layer = spin(page, "vitLayer", 1, 1, 1);
    m_head = new QComboBox(page);
    m_head->setObjectName(QStringLiteral("vitHead"));
    m_openImage = new QPushButton(tr("Open image…"), page);
    m_openImage->setObjectName(QStringLiteral("vitOpenImage"));
    m_openImage->setToolTip(tr("Your own picture: PNG, JPEG or any format Qt reads; it is made "
                               "28×28 gray, light on black, as the training images are"));
    m_prediction = new StatusLabel(page);
    m_prediction->setObjectName(QStringLiteral("vitPrediction"));
    m_overlay = new PatchOverlayView(page);
    m_overlay->setObjectName(QStringLiteral("vitOverlay"));
    m_overlay->setExportName(QStringLiteral("class-token-attention"));
    m_patchAttention = new HeatmapView(page);
    m_patchAttention->setObjectName(QStringLiteral("vitPatchAttention"));
    HeatmapStyle style = SentenceHeatmaps::probabilityStyle();
    style.annotate = false;
    style.colorBar = true;
    style.rangeMin.reset();
    style.rangeMax.reset();
    m_patchAttention->setStyle(style);
    m_patchAttention->setExportName(QStringLiteral("patch-attention"));
    m_gallery = new ImageGallery(page);
    m_gallery->setObjectName(QStringLiteral("vitGallery"));

    auto* choose = new QHBoxLayout;
    choose->addWidget(new QLabel(tr("Layer"), page));
    choose->addWidget(m_layer);
    choose->addWidget(new QLabel(tr("Head"), page));
    choose->addWidget(m_head);
    choose->addWidget(m_openImage);
    choose->addStretch(1);
    auto* left = new QVBoxLayout;
    left->addLayout(choose);
    left->addWidget(m_overlay, 1);
    left->addWidget(m_prediction);
    auto* right = new QVBoxLayout;
    right->addWidget(new QLabel(tr("Test images (click one):"), page));
    right->addWidget(m_gallery, 1);
    auto* layout = new QHBoxLayout(page);
    layout->addLayout(left, 3);
    layout->addWidget(m_patchAttention, 4);
    layout->addLayout(right, 2);
    return page;
}

QWidget* VitPage::createTrainingTab()
{
    auto* page = new QWidget(this);
    m_loss = new LossChart(page);
    m_loss->setObjectName(QStringLiteral("vitLoss"));
    m_loss->setAxisTitles(tr("evaluation (every %1 steps)").arg(VitController::kEvaluateEvery),
                          tr("loss"));
    m_accuracy = new LossChart(page);
    m_accuracy->setObjectName(QStringLiteral("vitAccuracy"));
    m_accuracy->setAxisTitles(tr("evaluation (every %1 steps)").arg(VitController::kEvaluateEvery),
                              tr("accuracy"));
    m_confusion = new HeatmapView(page);
    m_confusion->setObjectName(QStringLiteral("vitConfusion"));
    HeatmapStyle style;
    style.colorMap = ColorMap::Kind::Deck;
    style.precision = 0;
    style.colorBar = false;
    m_confusion->setStyle(style);
    m_confusion->setExportName(QStringLiteral("confusion-matrix"));
    auto* charts = new QVBoxLayout;
    charts->addWidget(m_loss, 1);
    charts->addWidget(m_accuracy, 1);
    auto* layout = new QHBoxLayout(page);
    layout->addLayout(charts, 1);
    layout->addWidget(m_confusion, 1);
    return page;
}

void VitPage::connectControls()
{
    connect(m_controller, &VitController::frameChanged, this, &VitPage::showFrame);
    connect(m_apply, &QPushButton::clicked, this, &VitPage::apply);
    connect(m_folderButton, &QPushButton::clicked, this, &VitPage::chooseFolder);
    connect(m_openImage, &QPushButton::clicked, this, &VitPage::chooseImage);
    connect(m_trainButton, &QPushButton::clicked, this, &VitPage::trainOrPause);
    connect(m_step, &QPushButton::clicked, this, &VitPage::stepOnce);
    connect(m_reset, &QPushButton::clicked, this, &VitPage::resetModel);
    connect(m_layer, &QSpinBox::valueChanged, this, &VitPage::chooseAttention);
    connect(m_head, &QComboBox::currentIndexChanged, this, &VitPage::chooseAttention);
    connect(m_tabs, &QTabWidget::currentChanged, this, &VitPage::showFrame);
    connect(m_gallery, &ImageGallery::itemClicked, this,
            [this](int index) { m_controller->selectTestImage(index); });
    connect(m_overlay, &PatchOverlayView::patchClicked, this,
            [this](int patch) { setQueryPatch(patch == m_queryPatch ? -1 : patch); });
}

// Wide enough for its text in the font of the moment (presenter mode's is larger).
void VitPage::fitProgress()
{
    const QString widest = tr("epoch %1 of %2: step %3 of %4").arg(99).arg(99).arg(9999).arg(9999);
    m_progress->setMinimumWidth(m_progress->fontMetrics().horizontalAdvance(widest) + 24);
}

void VitPage::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange && m_progress) {
        fitProgress();
    }
}

void VitPage::trainOrPause()
{
    const auto frame = m_controller->latest();
    if (frame && frame->running) {
        m_controller->pause();
    } else if (m_controller->hasModel()) {
        m_controller->train();
    }
}

void VitPage::stepOnce()
{
    if (m_controller->hasModel()) {
        m_controller->step();
    }
}

void VitPage::resetModel()
{
    if (m_controller->hasModel()) {
        m_controller->reset();
        showMessage(
            tr("A fresh model from seed %1, at step 0.").arg(m_controller->config().model.seed),
            false);
    }
}

void VitPage::chooseAttention()
{
    m_wantedLayer = m_layer->value();
    m_wantedHead = m_head->currentData().toInt();
    showFrame();
}

void VitPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!m_triedLoading && !m_train) {
        m_triedLoading = true;
        // After the page is on screen: reading 70 000 images takes a moment.
        QTimer::singleShot(0, this, [this] {
            if (!m_train) {
                loadFashionMnist(m_folder);
            }
        });
    }
}

bool VitPage::loadFashionMnist(const QString& folder)
{
    m_triedLoading = true;
    attnlab::FashionMnist data;
    try {
        data = attnlab::loadFashionMnist(folder.toStdString());
    } catch (const attnlab::InputError& error) {
        showMessage(tr("Fashion-MNIST not loaded%1: %2")
                        .arg(m_train ? tr(" (the images loaded before stay)") : QString(),
                             userMessage(error)),
                    true);
        return false;
    }
    if (!setData(std::make_shared<const attnlab::ImageSet>(std::move(data.train)),
                 std::make_shared<const attnlab::ImageSet>(std::move(data.test)),
                 QString::fromStdString(data.folder))) {
        return false;
    }
    m_dataSource = attnlab::VitDataSource{data.folder, 0, 0};
    return true;
}

bool VitPage::setData(std::shared_ptr<const attnlab::ImageSet> train,
                      std::shared_ptr<const attnlab::ImageSet> test, const QString& source)
{
    std::swap(m_train, train);
    std::swap(m_test, test);
    if (!apply()) {
        std::swap(m_train, train); // keep what was loaded before
        std::swap(m_test, test);
        return false;
    }
    m_source = source;
    m_dataSource.reset();
    m_dataLabel->setText(tr("%L1 training and %L2 test images of %3×%4 from %5")
                             .arg(m_train->count())
                             .arg(m_test ? m_test->count() : 0)
                             .arg(m_train->cols)
                             .arg(m_train->rows)
                             .arg(source));
    return true;
}

attnlab::VitTrainConfig VitPage::configFromWidgets() const
{
    attnlab::VitTrainConfig c;
    if (m_train) {
        c.model.imageRows = m_train->rows;
        c.model.imageCols = m_train->cols;
    }
    c.model.patch = m_patch->currentData().toInt();
    c.model.embed = m_embed->value();
    c.model.heads = m_heads->value();
    c.model.headSize = m_headSize->value();
    c.model.layers = m_layers->value();
    c.model.mlpWidth = m_mlpWidth->value();
    c.model.seed = std::uint64_t(m_seed->value());
    c.batchSize = m_batch->value();
    c.learningRate = m_learningRate->value();
    c.epochs = m_epochs->value();
    return c;
}

bool VitPage::apply()
{
    if (!m_train) {
        showMessage(tr("Not applied: no images yet. Install Debian's dataset-fashion-mnist "
                       "package or choose a folder with Images folder…"),
                    true);
        return false;
    }
    try {
        m_controller->rebuild(m_train, m_test, configFromWidgets());
    } catch (const attnlab::InputError& error) {
        showMessage(tr("Not applied, the model stays as it was: %1").arg(userMessage(error)), true);
        return false;
    }
    m_queryPatch = -1;
    updateChoices();
    showMessage(tr("A new model at step 0. Press Train: the test accuracy climbs above 80% "
                   "within the first epoch."),
                false);
    m_startHint = true;
    return true;
}

void VitPage::updateChoices()
{
    const attnlab::VitConfig& m = m_controller->config().model;
    const QSignalBlocker blockLayer(m_layer);
    const QSignalBlocker blockHead(m_head);
    m_layer->setRange(1, std::max(1, m.layers));
    m_layer->setValue(m_wantedLayer);
    m_head->clear();
    m_head->addItem(tr("mean of heads"), kMeanHeads);
    for (int h = 0; h < m.heads; ++h) {
        m_head->addItem(tr("head %1").arg(h + 1), h);
    }
    m_head->addItem(tr("rollout (all layers)"), kRollout);
    m_head->setCurrentIndex(std::max(0, m_head->findData(m_wantedHead)));
}

// Each value in its range may still make a model that cannot be built (a head size that is not
// a multiple of the heads): then the settings shown before stay, and the message line says so.
void VitPage::restoreModelSettings(const QSettings& settings)
{
    using namespace SettingsKeys;
    using StoredValue::restore;
    const attnlab::VitTrainConfig before = configFromWidgets();
    const int patch = m_patch->currentIndex();
    restore(settings, vitPatch, m_patch);
    const std::pair<QLatin1StringView, QSpinBox*> spins[] = {
        {vitEmbed, m_embed},   {vitHeads, m_heads},       {vitHeadSize, m_headSize},
        {vitLayers, m_layers}, {vitMlpWidth, m_mlpWidth}, {vitBatch, m_batch},
        {vitEpochs, m_epochs}, {vitSeed, m_seed}};
    for (const auto& [key, box] : spins) {
        restore(settings, key, box);
    }
    restore(settings, vitLearningRate, m_learningRate);
    try {
        attnlab::validate(configFromWidgets());
    } catch (const attnlab::InputError& error) {
        m_patch->setCurrentIndex(patch);
        showConfig(before);
        showMessage(tr("The stored settings were not used: %1").arg(userMessage(error)), true);
    }
}

void VitPage::showConfig(const attnlab::VitTrainConfig& c)
{
    m_embed->setValue(c.model.embed);
    m_heads->setValue(c.model.heads);
    m_headSize->setValue(c.model.headSize);
    m_layers->setValue(c.model.layers);
    m_mlpWidth->setValue(c.model.mlpWidth);
    m_seed->setValue(int(c.model.seed));
    m_batch->setValue(c.batchSize);
    m_learningRate->setValue(c.learningRate);
    m_epochs->setValue(c.epochs);
}

void VitPage::saveSettings(QSettings& settings) const
{
    using namespace SettingsKeys;
    using StoredValue::store;
    settings.setValue(vitFolder, m_folder);
    store(settings, vitPatch, m_patch);
    const std::pair<QLatin1StringView, const QSpinBox*> spins[] = {
        {vitEmbed, m_embed},   {vitHeads, m_heads},       {vitHeadSize, m_headSize},
        {vitLayers, m_layers}, {vitMlpWidth, m_mlpWidth}, {vitBatch, m_batch},
        {vitEpochs, m_epochs}, {vitSeed, m_seed}};
    for (const auto& [key, box] : spins) {
        store(settings, key, box);
    }
    store(settings, vitLearningRate, m_learningRate);
    settings.setValue(vitLayer, m_wantedLayer);
    settings.setValue(vitHead, m_wantedHead);
    settings.setValue(vitView, m_tabs->currentIndex());
    StoredValue::storeStyles(settings, vitViewStyles, {m_patchAttention, m_confusion});
}

void VitPage::restoreSettings(const QSettings& settings)
{
    using namespace SettingsKeys;
    using StoredValue::restore;
    const QVariant folder = settings.value(vitFolder);
    if (folder.typeId() == QMetaType::QString && QFileInfo(folder.toString()).isDir()) {
        m_folder = folder.toString();
    }
    restoreModelSettings(settings);
    applyView([&settings](QLatin1StringView key) { return settings.value(key); });
    StoredValue::restoreStyles(settings, vitViewStyles, {m_patchAttention, m_confusion});
}

std::map<std::string, std::string> VitPage::viewMap() const
{
    using namespace SettingsKeys;
    using StoredValue::viewEntry;
    return {viewEntry(vitLayer, m_wantedLayer), viewEntry(vitHead, m_wantedHead),
            viewEntry(vitView, m_tabs->currentIndex())};
}

// The layer, head and inner tab from stored values; the defaults where one does not fit.
void VitPage::applyView(const std::function<QVariant(QLatin1StringView)>& value)
{
    using namespace SettingsKeys;
    m_wantedLayer = StoredValue::wholeNumber(value(vitLayer), 1, m_layers->maximum()).value_or(1);
    m_wantedHead = StoredValue::wholeNumber(value(vitHead), kRollout, m_heads->maximum() - 1)
                       .value_or(kMeanHeads);
    updateChoices();
    const auto tab = StoredValue::wholeNumber(value(vitView), 0, m_tabs->count() - 1);
    if (tab) {
        m_tabs->setCurrentIndex(*tab);
    }
}

attnlab::VitSession VitPage::session() const
{
    if (!m_dataSource) {
        throw attnlab::InputError("the images shown were not read from a Fashion-MNIST folder, "
                                  "so a session could not find them again");
    }
    return m_controller->session(*m_dataSource, viewMap());
}

void VitPage::restoreSession(const attnlab::VitSession& session)
{
    attnlab::FashionMnist data = attnlab::loadSessionImages(session.data);
    auto train = std::make_shared<const attnlab::ImageSet>(std::move(data.train));
    auto test = std::make_shared<const attnlab::ImageSet>(std::move(data.test));
    m_controller->restore(session, train, test);
    m_triedLoading = true;
    m_train = std::move(train);
    m_test = std::move(test);
    m_dataSource = session.data;
    m_source = QString::fromStdString(data.folder);
    m_dataLabel->setText(tr("%L1 training and %L2 test images of %3×%4 from %5")
                             .arg(m_train->count())
                             .arg(m_test->count())
                             .arg(m_train->cols)
                             .arg(m_train->rows)
                             .arg(m_source));
    m_patch->setCurrentIndex(std::max(0, m_patch->findData(session.config.model.patch)));
    showConfig(session.config);
    m_queryPatch = -1;
    applyView(
        [&session](QLatin1StringView key) { return StoredValue::viewValue(session.view, key); });
    m_startHint = false;
    showMessage(
        tr("Opened a session: the model is paused at step %L1.").arg(m_controller->latest()->step),
        false);
}

void VitPage::setQueryPatch(int patch)
{
    m_queryPatch = patch;
    showFrame();
}

bool VitPage::openImage(const QString& path)
{
    const QString name = QFileInfo(path).fileName();
    try {
        const attnlab::VitConfig& m = m_controller->config().model;
        const ModelImage converted =
            toModelImage(loadUserImage(path), name, m.imageRows, m.imageCols);
        VitImage image;
        image.pixels = converted.pixels;
        image.rows = converted.rows;
        image.cols = converted.cols;
        image.name = name.toStdString();
        m_controller->selectImage(std::move(image));
        m_gallery->setSelected(-1);
        showMessage(converted.note.isEmpty() ? tr("Showing %1.").arg(name) : converted.note, false);
    } catch (const attnlab::InputError& error) {
        showMessage(tr("Image not shown: %1").arg(userMessage(error)), true);
        return false;
    }
    return true;
}

void VitPage::chooseFolder()
{
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Folder with the Fashion-MNIST files"), m_folder);
    if (!folder.isEmpty() && loadFashionMnist(folder)) {
        m_folder = folder;
    }
}

void VitPage::chooseImage()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open an image"), QString(),
        tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.pgm *.ppm);;All files (*)"));
    if (!path.isEmpty()) {
        openImage(path);
    }
}

void VitPage::showFrame()
{
    const std::shared_ptr<const VitFrame> frame = m_controller->latest();
    if (!frame) {
        return;
    }
    m_trainButton->setText(frame->running ? tr("Pause") : tr("Train"));
    showImage(*frame);
    showProgress(*frame);
    showTraining(*frame);
}

// The overlay: the class token's row (or the clicked patch's) of the chosen attention, without
// the class token's own column, in patch order.
void VitPage::showImage(const VitFrame& frame)
{
    const attnlab::VitImageSnapshot& s = frame.snapshot;
    const attnlab::VitConfig& m = m_controller->config().model;
    if (s.weights.empty() || frame.image.rows != m.imageRows) {
        return;
    }
    const int head = m_head->currentData().toInt();
    const int layer = std::clamp(m_layer->value() - 1, 0, int(s.weights.size()) - 1);
    const attnlab::Matrix& weights = head == kRollout     ? s.rollout
                                     : head == kMeanHeads ? s.meanWeights[size_t(layer)]
                                                          : s.weights[size_t(layer)][size_t(head)];
    const QString what = head == kRollout ? tr("rollout over all layers")
                         : head == kMeanHeads
                             ? tr("layer %1, mean of heads").arg(layer + 1)
                             : tr("layer %1, head %2").arg(layer + 1).arg(head + 1);
    const int query = m_queryPatch >= 0 && m_queryPatch < m.patches() ? m_queryPatch + 1 : 0;
    PatchOverlayData data;
    data.pixels = frame.image.pixels;
    data.rows = frame.image.rows;
    data.cols = frame.image.cols;
    data.patch = m.patch;
    for (int p = 0; p < m.patches(); ++p) {
        data.attention.push_back(weights(query, p + 1));
    }
    data.highlighted = query - 1;
    data.title = query == 0 ? tr("Where the class token looks: %1").arg(what)
                            : tr("Where patch r%1c%2 looks: %3")
                                  .arg((query - 1) / m.patchCols() + 1)
                                  .arg((query - 1) % m.patchCols() + 1)
                                  .arg(what);
    m_overlay->setData(std::move(data));

    const QStringList labels = tokenLabels(m.patchRows(), m.patchCols());
    m_patchAttention->setData(HeatmapData{weights, labels, labels,
                                          tr("Attention between patches: %1").arg(what),
                                          tr("query"), tr("key")});
    const int predicted = s.predicted;
    QString text = tr("%1: predicted %2 (%3%)")
                       .arg(QString::fromStdString(frame.image.name), className(predicted))
                       .arg(100.0 * s.probs(0, predicted), 0, 'f', 1);
    if (s.label >= 0) {
        text += s.label == predicted ? tr(", right") : tr(", but it is %1").arg(className(s.label));
    }
    m_prediction->setText(text);

    QList<GalleryItem> items;
    const std::shared_ptr<const attnlab::ImageSet>& test = m_controller->testSet();
    for (const VitGalleryEntry& e : frame.gallery) {
        if (!test || e.index >= test->count()) {
            break;
        }
        const float* first = test->image(e.index);
        items.append(GalleryItem{std::vector<float>(first, first + test->rows * test->cols),
                                 test->rows, test->cols, className(e.predicted), className(e.label),
                                 e.predicted == e.label});
    }
    m_gallery->setItems(items);
    m_gallery->setSelected(frame.image.index < m_gallery->count() ? frame.image.index : -1);
}

void VitPage::showProgress(const VitFrame& frame)
{
    if (m_startHint && frame.step > 0) {
        m_startHint = false;
        showMessage(QString(), false);
    }
    m_progress->setRange(0, std::max(1, frame.stepsPerEpoch));
    m_progress->setValue(frame.state == attnlab::TrainState::Finished ? frame.stepsPerEpoch
                                                                      : frame.stepInEpoch);
    m_progress->setFormat(tr("epoch %1 of %2: step %3 of %4")
                              .arg(std::min(frame.epoch + 1, frame.epochs))
                              .arg(frame.epochs)
                              .arg(frame.state == attnlab::TrainState::Finished
                                       ? frame.stepsPerEpoch
                                       : frame.stepInEpoch)
                              .arg(frame.stepsPerEpoch));
    QString status;
    if (frame.evaluation.images > 0) {
        status = tr("test accuracy %1% on %L2 test images")
                     .arg(100.0 * frame.evaluation.accuracy, 0, 'f', 1)
                     .arg(frame.evaluation.images);
    }
    if (frame.state == attnlab::TrainState::Finished && frame.running) {
        // The last step is taken; the final point of the curves is still being evaluated.
        status = tr("Evaluating the test images for the last point…");
    } else if (frame.state == attnlab::TrainState::Finished) {
        status = tr("Finished: ") + status;
    }
    if (!frame.message.empty()) {
        status += QStringLiteral(" · ") + QString::fromStdString(frame.message);
    }
    m_status->setText(status);
}

// The curves and the confusion matrix, while their tab is shown.
void VitPage::showTraining(const VitFrame& frame)
{
    if (m_tabs->currentWidget() != m_loss->parentWidget()) {
        return;
    }
    std::vector<double> train, test, trainAccuracy, testAccuracy;
    for (const VitCurvePoint& p : frame.curve) {
        train.push_back(p.trainLoss);
        test.push_back(p.testLoss);
        trainAccuracy.push_back(p.trainAccuracy);
        testAccuracy.push_back(p.testAccuracy);
    }
    m_loss->setComparison(tr("training"), train, tr("test"), test);
    m_accuracy->setComparison(tr("training"), trainAccuracy, tr("test"), testAccuracy);
    if (frame.evaluation.images > 0) {
        const QStringList names = classNames(int(frame.evaluation.confusion.rows()));
        m_confusion->setData(
            HeatmapData{frame.evaluation.confusion, names, names,
                        tr("Confusion matrix (%L1 test images)").arg(frame.evaluation.images),
                        tr("true class"), tr("predicted class")});
    }
}

void VitPage::showMessage(const QString& text, bool error)
{
    m_message->setText(text);
    if (error) {
        ErrorText::mark(m_message, false);
    } else {
        ErrorText::unmark(m_message);
    }
}

QString VitPage::message() const
{
    return m_message->text();
}

QString VitPage::status() const
{
    return m_status->text();
}

QString VitPage::prediction() const
{
    return m_prediction->text();
}

// The lesson against its PyTorch reference: starting from the reference's initial weights,
// AttnLab trains to the same losses and matrices. The expected numbers are PyTorch's, read
// from tests/fixtures/reference (made by toy_attention_reference.py with seed 77).
#include <corpus.h>
#include <trainer.h>
#include <weightsio.h>

#include <QFile>
#include <QRegularExpression>
#include <QTest>

using namespace attnlab;

namespace {

QString fixture(const QString& name)
{
    return QStringLiteral(ATTNLAB_FIXTURES "/reference/") + name;
}

// "epoch N mean loss of the two steps X" lines of one variant's block in run-seed77.txt.
QMap<int, double> referenceLosses(const QString& variant)
{
    QFile file(fixture("run-seed77.txt"));
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read run-seed77.txt");
    }
    const QString text = QString::fromUtf8(file.readAll());
    const qsizetype begin = text.indexOf("### training the " + variant);
    const qsizetype end = text.indexOf("optimizer steps", begin);
    const QRegularExpression line(R"(epoch\s+(\d+)\s+mean loss of the two steps ([0-9.]+))");
    QMap<int, double> losses;
    auto it = line.globalMatch(text.mid(begin, end - begin));
    while (it.hasNext()) {
        const auto m = it.next();
        losses[m.captured(1).toInt()] = m.captured(2).toDouble();
    }
    return losses;
}

double maxAbsDiff(const Matrix& a, const MatrixD& b)
{
    return (a.cast<double>() - b).cwiseAbs().maxCoeff();
}

} // namespace

class TestGolden : public QObject
{
    Q_OBJECT
private slots:
    void trainedModelMatchesPyTorchReference_data();
    void trainedModelMatchesPyTorchReference();
};

void TestGolden::trainedModelMatchesPyTorchReference_data()
{
    QTest::addColumn<bool>("causal");
    QTest::addColumn<QString>("variant");
    QTest::newRow("causal") << true << "causal";
    QTest::newRow("unmasked") << false << "unmasked";
}

void TestGolden::trainedModelMatchesPyTorchReference()
{
    QFETCH(bool, causal);
    QFETCH(QString, variant);
    const std::string init = fixture("init-seed77.txt").toStdString();
    ToyConfig config;
    config.causal = causal;
    ToyTrainer trainer(lessonCorpus(), config, toyParamsFrom(readNamedMatrices(init), init));
    trainer.runToEnd();
    QCOMPARE(trainer.state(), TrainState::Finished);
    QCOMPARE(trainer.stepCount(), 10000L);

    // The loss log, every 500 epochs (printed with 4 decimals).
    const QMap<int, double> expected = referenceLosses(variant);
    QCOMPARE(expected.size(), 11);
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        const double ours = trainer.epochLosses().at(static_cast<size_t>(it.key() - 1));
        QVERIFY2(std::abs(ours - it.value()) <= 1e-3,
                 qPrintable(QString("epoch %1: %2 vs %3").arg(it.key()).arg(ours).arg(it.value())));
    }

    // The final matrices of both sentences.
    const std::string finalPath = fixture("final-seed77-" + variant + ".txt").toStdString();
    const NamedMatrices ref = readNamedMatrices(finalPath);
    const Snapshot snap = trainer.snapshot();
    for (int s = 0; s < 2; ++s) {
        const std::string n = std::to_string(s + 1);
        const SentenceSnapshot& got = snap.sentences[static_cast<size_t>(s)];
        QVERIFY2(maxAbsDiff(got.probs, ref.at("P" + n)) <= 1e-3, ("P" + n).c_str());
        QVERIFY2(maxAbsDiff(got.weights, ref.at("A" + n)) <= 1e-3, ("A" + n).c_str());
        QVERIFY2(maxAbsDiff(got.values, ref.at("V" + n)) <= 1e-3, ("V" + n).c_str());
        QVERIFY(std::abs(got.loss - ref.at("loss" + n)(0, 0)) <= 1e-3);
    }
}

QTEST_GUILESS_MAIN(TestGolden)
#include "tst_golden.moc"

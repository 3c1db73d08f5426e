// Exporting an n×n heatmap (64 and 512) to each figure format and to the data formats; the
// "bytes" counter is the size of the file each one writes.
#include <figureexport.h>
#include <matrixexport.h>

#include <benchmark/benchmark.h>

namespace {

HeatmapFigure squareFigure(int n)
{
    HeatmapData d;
    d.values = attnlab::Matrix(n, n);
    for (int i = 0; i < d.values.size(); ++i) {
        d.values.data()[i] = float((i * 7919) % 1000) / 1000.0f;
    }
    for (int i = 0; i < n; ++i) {
        d.rowLabels << QStringLiteral("t%1").arg(i);
    }
    d.colLabels = d.rowLabels;
    d.title = QStringLiteral("Attention weights");
    HeatmapFigure f;
    f.setData(d);
    return f;
}

const QSizeF kInches(8, 8);

template <typename Export> void runExport(benchmark::State& state, Export exportBytes)
{
    const HeatmapFigure fig = squareFigure(int(state.range(0)));
    const FigureExport::Painter paint = FigureExport::heatmapPainter(fig);
    qsizetype bytes = 0;
    for (auto _ : state) {
        bytes = exportBytes(paint, fig).size();
    }
    state.counters["bytes"] = double(bytes);
}

void BM_ExportPng150(benchmark::State& state)
{
    runExport(state, [](auto& p, auto&) { return FigureExport::pngBytes(p, kInches, 150); });
}
void BM_ExportSvg(benchmark::State& state)
{
    runExport(state, [](auto& p, auto&) { return FigureExport::svgBytes(p, kInches, "t"); });
}
void BM_ExportPdf(benchmark::State& state)
{
    runExport(state, [](auto& p, auto&) { return FigureExport::pdfBytes(p, kInches, "t"); });
}
void BM_ExportCsv(benchmark::State& state)
{
    runExport(state, [](auto&, const HeatmapFigure& f) {
        std::vector<std::string> labels(size_t(f.data().values.rows()), "t");
        return attnlab::csvText(f.data().values, labels, labels);
    });
}
void BM_ExportNpy(benchmark::State& state)
{
    runExport(state,
              [](auto&, const HeatmapFigure& f) { return attnlab::npyBytes(f.data().values); });
}

BENCHMARK(BM_ExportPng150)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportSvg)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportPdf)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportCsv)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportNpy)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);

} // namespace

/** Plotly figures as plain { data, layout } objects, for the notebook's showPlot (or any plotly renderer). */
import type { EvaluationReport } from "./evaluate";
import type { EpochRecord } from "./types";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/**
 * Heatmap with gold on the y axis and prediction on the x axis. Colour is each cell's share of its gold row (the
 * recall of that cell), on a fixed 0–100% scale, so the diagonal (correct predictions) is dark and the errors are
 * light whatever the class sizes; every cell is labelled with its count and row share. (Plotly's "Blues" runs from
 * dark to light, which painted the errors darkest: this scale is written out instead.)
 */
export function confusionMatrixFigure(
  report: Pick<EvaluationReport, "confusion">,
  title = "Confusion matrix",
): PlotlyFigure {
  const { labels, matrix } = report.confusion;
  const shares = matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total === 0 ? 0 : (100 * v) / total));
  });
  const text = matrix.map((row, i) =>
    row.map((v, j) => `${v.toLocaleString("en-US")}<br>${(shares[i]?.[j] ?? 0).toFixed(1)}%`),
  );
  const side = Math.max(460, 90 * labels.length + 200);
  return {
    data: [
      {
        type: "heatmap",
        z: shares,
        zmin: 0,
        zmax: 100,
        x: labels,
        y: labels,
        text,
        texttemplate: "%{text}",
        customdata: matrix,
        colorscale: [
          [0, "#f7fbff"],
          [0.25, "#c6dbef"],
          [0.5, "#6baed6"],
          [0.75, "#2171b5"],
          [1, "#08306b"],
        ],
        colorbar: { title: { text: "% of gold row" }, ticksuffix: "%" },
        hovertemplate: "gold %{y}, predicted %{x}: %{customdata} (%{z:.1f}% of the row)<extra></extra>",
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "predicted" }, type: "category", side: "bottom" },
      yaxis: { title: { text: "gold" }, type: "category", autorange: "reversed" },
      width: side + 60,
      height: side,
    },
  };
}

/** Loss (train and validation) on the left axis and validation accuracy on the right, per epoch. */
export function trainingCurvesFigure(
  history: readonly EpochRecord[],
  title = "Training curves",
): PlotlyFigure {
  const epochs = history.map((h) => h.epoch);
  const data: Record<string, unknown>[] = [
    { type: "scatter", mode: "lines+markers", name: "train loss", x: epochs, y: history.map((h) => h.loss) },
  ];
  if (history.some((h) => h.validationLoss !== undefined)) {
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: "validation loss",
      x: epochs,
      y: history.map((h) => h.validationLoss ?? null),
    });
  }
  if (history.some((h) => h.validationAccuracy !== undefined)) {
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: "validation accuracy",
      x: epochs,
      y: history.map((h) => h.validationAccuracy ?? null),
      yaxis: "y2",
    });
  }
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: "epoch" }, dtick: 1 },
      yaxis: { title: { text: "loss" } },
      yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right", tickformat: ".1%" },
      legend: { orientation: "h", y: -0.2 },
      width: 720,
      height: 420,
    },
  };
}

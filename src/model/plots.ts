/** Plotly figures as plain { data, layout } objects, for the notebook's showPlot (or any plotly renderer). */
import type { EvaluationReport } from "./evaluate";
import type { EpochRecord } from "./types";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Heatmap of counts, gold on the y axis and prediction on the x axis, each cell labelled with its count and row share. */
export function confusionMatrixFigure(
  report: Pick<EvaluationReport, "confusion">,
  title = "Confusion matrix",
): PlotlyFigure {
  const { labels, matrix } = report.confusion;
  const text = matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => `${v}<br>${total === 0 ? "0.0" : ((100 * v) / total).toFixed(1)}%`);
  });
  return {
    data: [
      {
        type: "heatmap",
        z: matrix,
        x: labels,
        y: labels,
        text,
        texttemplate: "%{text}",
        colorscale: "Blues",
        hovertemplate: "gold %{y}, predicted %{x}: %{z}<extra></extra>",
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "predicted" }, type: "category" },
      yaxis: { title: { text: "gold" }, type: "category", autorange: "reversed" },
      width: 520,
      height: 460,
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

import { useEffect, useRef, useState } from "preact/hooks";
import type { Chart as ChartData } from "../views";
import { useI18n } from "./i18n";

/**
 * A CloudWatch chart drawn by plotly.js, the library the notebooks chart with. plotly is large (it is loaded once,
 * the first time a page shows a chart, from the console's own assets, and cached by the browser for good) and
 * redrawn in place (Plotly.react) when a live update brings new points.
 */

let plotly: Promise<PlotlyLike> | undefined;

function loadPlotly(): Promise<PlotlyLike> {
  plotly ??= new Promise<PlotlyLike>((resolve, reject) => {
    if (window.Plotly) {
      resolve(window.Plotly);
      return;
    }
    const script = document.createElement("script");
    script.src = `/_console/assets/${__PLOTLY_FILE__}`;
    script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly did not load")));
    script.onerror = () => {
      plotly = undefined;
      reject(new Error("plotly could not be loaded"));
    };
    document.head.append(script);
  });
  return plotly;
}

const COLORS = ["#0972d3", "#eb5f07", "#037f0c", "#8456ce", "#c33d69", "#2ea597"];

export function Chart(props: { chart: ChartData; title?: string }) {
  const { t } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string>();
  const { chart } = props;
  const points = chart.series.reduce((sum, series) => sum + series.points.length, 0);
  const total = chart.series.reduce(
    (sum, series) => sum + series.points.reduce((s, point) => s + point.v, 0),
    0,
  );
  useEffect(() => {
    let cancelled = false;
    loadPlotly().then(
      (library) => {
        if (cancelled || !element.current) return;
        const traces = chart.series.map((series, index) => ({
          type: "scatter",
          mode: series.points.length > 40 ? "lines" : "lines+markers",
          name: series.name,
          x: series.points.map((point) => new Date(point.t)),
          y: series.points.map((point) => point.v),
          line: { color: COLORS[index % COLORS.length], width: 2 },
          marker: { size: 5 },
        }));
        const layout = {
          title: { text: props.title ?? chart.title, font: { size: 13 }, x: 0, xanchor: "left" },
          height: 220,
          margin: { l: 48, r: 12, t: 32, b: 32 },
          showlegend: chart.series.length > 1,
          legend: { orientation: "h", y: -0.25 },
          xaxis: { type: "date", tickfont: { size: 10 } },
          yaxis: {
            title: { text: chart.unit, font: { size: 11 } },
            rangemode: "tozero",
            tickfont: { size: 10 },
          },
          paper_bgcolor: "rgba(0,0,0,0)",
          plot_bgcolor: "#fff",
          annotations:
            points === 0
              ? [
                  {
                    text: t("noData"),
                    showarrow: false,
                    xref: "paper",
                    yref: "paper",
                    x: 0.5,
                    y: 0.5,
                    font: { color: "#687078" },
                  },
                ]
              : [],
        };
        void library.react(element.current, traces, layout, { displayModeBar: false, responsive: true });
      },
      (error: Error) => setFailed(error.message),
    );
    return () => {
      cancelled = true;
    };
  }, [chart, t, props.title, points]);
  useEffect(() => {
    const node = element.current;
    return () => {
      if (node && window.Plotly) window.Plotly.purge(node);
    };
  }, []);
  return (
    <div class="chart" data-chart={chart.id} data-points={points} data-total={total}>
      {failed ? <p class="error-text">{failed}</p> : <div ref={element} class="chart-plot" />}
    </div>
  );
}

export function Charts(props: { charts: ChartData[] }) {
  return (
    <div class="charts">
      {props.charts.map((chart) => (
        <Chart key={chart.id} chart={chart} />
      ))}
    </div>
  );
}

/** One metric across runs: a bar per run (an experiment's comparison). */
export function BarChart(props: {
  id: string;
  title: string;
  labels: string[];
  values: (number | undefined)[];
}) {
  const element = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string>();
  const known = props.values.filter((value) => value !== undefined).length;
  useEffect(() => {
    let cancelled = false;
    loadPlotly().then(
      (library) => {
        if (cancelled || !element.current) return;
        const trace = { type: "bar", x: props.labels, y: props.values, marker: { color: COLORS[0] } };
        const layout = {
          title: { text: props.title, font: { size: 13 }, x: 0, xanchor: "left" },
          height: 220,
          margin: { l: 48, r: 12, t: 32, b: 48 },
          xaxis: { type: "category", tickfont: { size: 10 }, automargin: true },
          yaxis: { tickfont: { size: 10 } },
          paper_bgcolor: "rgba(0,0,0,0)",
          plot_bgcolor: "#fff",
        };
        void library.react(element.current, [trace], layout, { displayModeBar: false, responsive: true });
      },
      (error: Error) => setFailed(error.message),
    );
    return () => {
      cancelled = true;
    };
  }, [props.labels, props.values, props.title]);
  return (
    <div class="chart" data-chart={props.id} data-points={known}>
      {failed ? <p class="error-text">{failed}</p> : <div ref={element} class="chart-plot" />}
    </div>
  );
}

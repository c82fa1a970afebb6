/** What notebooks import for display, knobs and progress; the runner and kernel installer are scripts. */
export { showMarkdown } from "./markdown";
export { isQuickRun, labParam } from "./params";
export { type PlotFigure, showPlot } from "./plot";
export { type ProgressBar, progressBar } from "./progress";
export { type ShowTableOptions, showTable } from "./table";

/** Set by the build (esbuild `define`): the file name of plotly.js among the console's assets. */
declare const __PLOTLY_FILE__: string;

/** The part of plotly.js the charts use (loaded as a plain script, so it is a global). */
interface PlotlyLike {
  react(element: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  purge(element: HTMLElement): void;
}

interface Window {
  Plotly?: PlotlyLike;
}

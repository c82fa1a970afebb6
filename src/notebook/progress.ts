/**
 * Progress for cells that take more than a few seconds. In a notebook one display is updated in place
 * (`update_display_data`), so a long loop leaves one line rather than hundreds; on a terminal the bar redraws with
 * `\r`; in logs (CI, pipes) a handful of plain lines at quarter marks.
 */
import { randomBytes } from "node:crypto";
import { emitDisplay, notebookDisplayChannel } from "./kernel-bridge";
import { escapeHtml } from "./table";

export interface ProgressBar {
  /** Advances by `n` steps (default 1). */
  tick(n?: number): void;
  /** Marks the work finished, with an optional closing message. */
  done(message?: string): void;
}

const BAR_WIDTH = 30;
/** Redraw at most this often: each notebook update is a message to the front end. */
const MIN_REDRAW_MS = 200;

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function fractionDone(current: number, total: number): number {
  return total > 0 ? Math.min(1, current / total) : 1;
}

function progressStats(current: number, total: number, elapsedMs: number): string {
  return `${current}/${total} (${Math.round(fractionDone(current, total) * 100)}%) ${formatSeconds(elapsedMs)}`;
}

export function renderProgressLine(label: string, current: number, total: number, elapsedMs: number): string {
  const filled = Math.round(fractionDone(current, total) * BAR_WIDTH);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
  return `${label} ${bar} ${progressStats(current, total, elapsedMs)}`;
}

function progressHtml(
  label: string,
  current: number,
  total: number,
  elapsedMs: number,
  message?: string,
): string {
  const max = Math.max(total, 1);
  const stats = progressStats(current, total, elapsedMs) + (message ? ` ${message}` : "");
  return (
    `<div class="ko-sagemaker-progress"><span>${escapeHtml(label)}</span> ` +
    `<progress value="${Math.min(current, max)}" max="${max}" style="width:240px;vertical-align:middle"></progress> ` +
    `<code>${escapeHtml(stats)}</code></div>`
  );
}

/** A progress bar over `total` steps, labelled `label`. */
export function progressBar(label: string, total: number): ProgressBar {
  if (!Number.isFinite(total) || total < 0) {
    throw new RangeError(`progressBar("${label}", ${total}): total must be a non-negative number of steps.`);
  }
  const started = Date.now();
  let current = 0;
  let finished = false;
  let lastDraw = 0;
  const inNotebook = notebookDisplayChannel() !== undefined;
  const displayId = `ko-progress-${randomBytes(6).toString("hex")}`;
  const onTty = !inNotebook && process.stdout.isTTY === true;
  let nextQuarter = 1;

  const draw = (force: boolean, message?: string) => {
    const now = Date.now();
    const line = renderProgressLine(label, current, total, now - started) + (message ? ` ${message}` : "");
    if (inNotebook) {
      if (!force && now - lastDraw < MIN_REDRAW_MS) return;
      const html = progressHtml(label, current, total, now - started, message);
      emitDisplay({ "text/html": html, "text/plain": line }, displayId, lastDraw > 0);
    } else if (onTty) {
      if (!force && now - lastDraw < MIN_REDRAW_MS) return;
      process.stdout.write(`\r${line}${finished ? "\n" : ""}`);
    } else {
      // Logs: the start, each quarter passed, and the end; nothing in between.
      const fraction = fractionDone(current, total);
      let crossed = false;
      while (nextQuarter <= 3 && fraction >= nextQuarter / 4) {
        nextQuarter++;
        crossed = true;
      }
      if (lastDraw === 0 || crossed || finished) console.log(line);
    }
    lastDraw = now;
  };

  draw(true);
  return {
    tick(n = 1) {
      if (finished) return;
      current = Math.min(total, current + n);
      draw(false);
    },
    done(message?: string) {
      if (finished) return;
      finished = true;
      current = total;
      draw(true, message);
    },
  };
}

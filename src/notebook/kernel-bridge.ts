/**
 * The one place that knows how rich output reaches a notebook. tslab keeps the current cell's display channel in
 * `tslab/dist/jupyter`'s `lastWriteDisplayData` (its own `display` API uses it the same way); our headless runner
 * sets the same variable. That module is only consulted when something already loaded it, so plain `node` never
 * pays for loading tslab's TypeScript compiler just to find out it is not in a notebook.
 */

/** A Jupyter mime bundle: mime type to content (strings, or JSON for JSON mime types). */
export type MimeBundle = Record<string, unknown>;

/** The display message content tslab hands to its channel (`display_data` / `update_display_data`). */
export interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

export type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

function loadedTslabJupyter(): TslabJupyterModule | undefined {
  let resolved: string;
  try {
    resolved = require.resolve("tslab/dist/jupyter");
  } catch {
    return undefined;
  }
  return require.cache[resolved]?.exports as TslabJupyterModule | undefined;
}

/** The current cell's display channel, or undefined outside a notebook kernel. */
export function notebookDisplayChannel(): WriteDisplayData | undefined {
  return loadedTslabJupyter()?.lastWriteDisplayData ?? undefined;
}

/**
 * Installs `write` as the display channel (what the tslab kernel does per execute request). Used by the headless
 * runner, which loads tslab's executor in-process.
 */
export function installDisplayChannel(write: WriteDisplayData): void {
  // Loading it here also makes `notebookDisplayChannel` find it from now on.
  const jupyter = require("tslab/dist/jupyter") as TslabJupyterModule;
  jupyter.lastWriteDisplayData = write;
}

/** Emits one display; returns false when there is no notebook to show it in (the caller prints text instead). */
export function emitDisplay(data: MimeBundle, displayId?: string, update = false): boolean {
  const write = notebookDisplayChannel();
  if (!write) return false;
  const content: DisplayContent = { data, metadata: {} };
  if (displayId !== undefined) content.transient = { display_id: displayId };
  write(content, update);
  return true;
}

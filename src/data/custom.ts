/**
 * The user's own dataset, as the custom-dataset labs (2.2, 6.1) read it: the file named by CUSTOM_DATASET (a
 * relative path starts at the project root), the columns named by CUSTOM_TEXT_COLUMN / CUSTOM_LABEL_COLUMN, and
 * errors that name those knobs. The lab runner's summary is told which file was used.
 */
import { existsSync } from "node:fs";
import { resolveKnobPath } from "../common/knob-path";
import { type LabelledDataset, type LoadDatasetOptions, loadDataset } from "./load";
import { displayPath } from "./paths";
import { recordDataUse } from "./usage";

export interface CustomDatasetChoice {
  /** The path as given (the knob's value, or the lab's default). */
  given: string;
  /** The absolute path it names. */
  path: string;
  /** True when CUSTOM_DATASET is unset and the lab's default is used. */
  isDefault: boolean;
  textColumn?: string;
  labelColumn?: string;
}

export interface CustomDatasetDefaults {
  /** The lab's own dataset when CUSTOM_DATASET is unset (relative to the project root). */
  path: string;
  /** Columns of the default dataset when they are not found by name (2.2's CSV uses review / sentiment). */
  textColumn?: string;
  labelColumn?: string;
}

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
};

/** What CUSTOM_DATASET, CUSTOM_TEXT_COLUMN and CUSTOM_LABEL_COLUMN choose, over the lab's defaults. */
export function customDatasetChoice(
  defaults: CustomDatasetDefaults,
  env: NodeJS.ProcessEnv = process.env,
): CustomDatasetChoice {
  const named = value(env, "CUSTOM_DATASET");
  const given = named ?? defaults.path;
  const textColumn = value(env, "CUSTOM_TEXT_COLUMN") ?? (named ? undefined : defaults.textColumn);
  const labelColumn = value(env, "CUSTOM_LABEL_COLUMN") ?? (named ? undefined : defaults.labelColumn);
  return {
    given,
    path: resolveKnobPath(given, env),
    isDefault: named === undefined,
    ...(textColumn ? { textColumn } : {}),
    ...(labelColumn ? { labelColumn } : {}),
  };
}

/** Loads the chosen dataset; its errors say which knob to set. */
export function loadCustomDataset(
  defaults: CustomDatasetDefaults,
  env: NodeJS.ProcessEnv = process.env,
): LabelledDataset & { choice: CustomDatasetChoice } {
  const choice = customDatasetChoice(defaults, env);
  const options: LoadDatasetOptions = {
    optionNames: {
      textColumn: "CUSTOM_TEXT_COLUMN=<name>",
      labelColumn: "CUSTOM_LABEL_COLUMN=<name>",
      format: "",
    },
  };
  if (choice.textColumn) options.textColumn = choice.textColumn;
  if (choice.labelColumn) options.labelColumn = choice.labelColumn;
  // A file that is not there is reported under the name the user gave, with the places looked at.
  const dataset = loadDataset(existsSync(choice.path) ? choice.path : choice.given, options);
  recordDataUse({ kind: "custom", source: displayPath(dataset.source), rows: dataset.texts.length });
  return { ...dataset, choice };
}

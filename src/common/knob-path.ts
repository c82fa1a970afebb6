import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { projectRoot } from "../project";

/**
 * Paths given in knobs (CUSTOM_DATASET, NSMC_DIR, SM_CONFIG_FILE, LOCAL_SAGEMAKER_STATE_DIR, LABS_DIR, ...) and
 * to the workshop's loaders. A relative path means the same thing wherever the code runs: from the project root,
 * where the user types `npm run ...` (npm itself runs scripts there). A notebook's working directory is its own
 * folder (tslab compiles against it), so resolving against the process's directory would look in `labs/2_.../`.
 * When the user typed the command in a subfolder (npm's INIT_CWD), a path that exists from there is taken too.
 */

/** The project root, or WORKSHOP_ROOT (tests point it at a temporary workshop). */
function rootOf(env: NodeJS.ProcessEnv): string {
  return env.WORKSHOP_ROOT ? resolve(env.WORKSHOP_ROOT) : projectRoot();
}

/** Where a relative `value` may be meant, in the order tried: the project root, then npm's INIT_CWD. */
export function knobPathCandidates(value: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (isAbsolute(value)) return [value];
  const candidates = [resolve(rootOf(env), value)];
  const typedIn = env.INIT_CWD;
  if (typedIn && isAbsolute(typedIn)) {
    const there = resolve(typedIn, value);
    if (!candidates.includes(there)) candidates.push(there);
  }
  return candidates;
}

/**
 * The absolute path a knob's value names: as given when absolute; otherwise the first candidate that exists, or
 * the project-root one when none does (so a folder to be created lands in the project).
 */
export function resolveKnobPath(value: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = knobPathCandidates(value, env);
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

/** For error messages: "looked at /a/b (relative paths start at the project root /a)". */
export function whereLooked(value: string, env: NodeJS.ProcessEnv = process.env): string {
  if (isAbsolute(value)) return `looked at ${value}`;
  const candidates = knobPathCandidates(value, env);
  return `looked at ${candidates.join(" and at ")} (relative paths start at the project root ${rootOf(env)})`;
}

/**
 * Lab knobs: every notebook reads its parameters from environment variables so that CI can run a quick pass
 * (`WORKSHOP_QUICK=1`) and a user the full one, without editing cells.
 */

/** True when the quick CI pass is requested (`WORKSHOP_QUICK=1`): small data, few epochs. */
export function isQuickRun(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.WORKSHOP_QUICK?.trim().toLowerCase();
  return raw !== undefined && raw !== "" && raw !== "0" && raw !== "false" && raw !== "no";
}

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/**
 * Reads the knob `name` from the environment, typed like `fallback`; the fallback applies when the variable is
 * unset or empty. A value that does not fit the type throws an error naming the variable, the value and the fix,
 * because a silently ignored knob makes a long run do the wrong thing.
 */
export function labParam<T extends number | string | boolean>(
  name: string,
  fallback: T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = raw.trim();
  if (typeof fallback === "number") {
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) {
      throw new Error(
        `Environment variable ${name}="${raw}" is not a number. Set it to a number like ${fallback}, or unset it to use ${fallback}.`,
      );
    }
    return parsed as T;
  }
  if (typeof fallback === "boolean") {
    const word = value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true as T;
    if (FALSE_WORDS.has(word)) return false as T;
    throw new Error(
      `Environment variable ${name}="${raw}" is not a yes/no value. Use 1/0, true/false, yes/no or on/off, or unset it to use ${fallback}.`,
    );
  }
  return value as T;
}

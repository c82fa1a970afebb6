import { existsSync } from "node:fs";
import { extname, isAbsolute, join, normalize, sep } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * How the toolkit starts an entry point: TypeScript through the project's tsx loader, JavaScript with this Node,
 * Python with `python3` from PATH. The result names the interpreter so a missing one becomes a clear failure.
 */
export type EntryPointCommand =
  | { ok: true; command: string; args: string[]; interpreter: string }
  | { ok: false; reason: string };

/** The tsx loader, for TypeScript entry points (and for the toolkit itself when it runs from source). */
export function tsxImportArgs(): string[] {
  return ["--import", pathToFileURL(require.resolve("tsx")).href];
}

export function entryPointCommand(
  codeDir: string,
  program: string | undefined,
  args: string[],
): EntryPointCommand {
  if (!program) {
    return {
      ok: false,
      reason:
        'No entry point: the hyperparameter "sagemaker_program" is missing. Set it to the script inside sagemaker_submit_directory (the estimator\'s entryPoint).',
    };
  }
  const relative = normalize(program);
  if (isAbsolute(relative) || relative === ".." || relative.startsWith(`..${sep}`)) {
    return { ok: false, reason: `Entry point "${program}" must be a path inside the source directory.` };
  }
  const script = join(codeDir, relative);
  if (!existsSync(script)) {
    return {
      ok: false,
      reason: `Entry point "${program}" was not found in the source directory (sagemaker_submit_directory); check that the archive contains it at its top level.`,
    };
  }
  switch (extname(script)) {
    case ".ts":
    case ".mts":
    case ".cts":
      return {
        ok: true,
        command: process.execPath,
        args: [...tsxImportArgs(), script, ...args],
        interpreter: "node (tsx)",
      };
    case ".js":
    case ".mjs":
    case ".cjs":
      return { ok: true, command: process.execPath, args: [script, ...args], interpreter: "node" };
    case ".py":
      return { ok: true, command: "python3", args: ["-u", script, ...args], interpreter: "python3" };
    default:
      return {
        ok: false,
        reason: `Entry point "${program}" has an unsupported type: use .ts, .js, .mjs, .cjs or .py.`,
      };
  }
}

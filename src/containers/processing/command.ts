import { existsSync } from "node:fs";
import { basename, extname } from "node:path";
import { tsxImportArgs } from "../training/entry-point";

/**
 * What the built-in processing image runs for a ContainerEntrypoint + ContainerArguments (already mapped to this
 * machine's paths): the scikit-learn image's `python3 <script.py> ...` (any `python`, `python3`, `python3.x`),
 * `node <script.js|.ts> ...`, `tsx <script.ts> ...`, or a `.py`, `.ts` or `.js` script named directly. Python runs
 * with `python3` from PATH, TypeScript through the project's tsx loader, JavaScript with this Node. Other programs
 * (a shell, a compiled binary) are not in this image, and the reason says what is.
 */
export type ProcessingCommand =
  | { ok: true; command: string; args: string[]; interpreter: string; script: string | undefined }
  | { ok: false; reason: string };

const PYTHON = /^python(\d+(\.\d+)?)?$/;
const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);
const JAVASCRIPT = new Set([".js", ".mjs", ".cjs"]);
const SCRIPT = new Set([".py", ...TYPESCRIPT, ...JAVASCRIPT]);

const USE =
  'use ["python3", "/opt/ml/processing/input/code/<script>.py"], ["node", "<script>.js"], ["tsx", "<script>.ts"] or a .py/.ts/.js script path';

/** Options after which the interpreter runs no script file (`python3 -c ...`, `python3 -m pkg`, `node -e ...`). */
const NO_SCRIPT = new Set(["-c", "-m", "-e", "--eval", "-p", "--print"]);

/** The first argument that is not an interpreter option: the script (`python3 -u x.py` → x.py). */
function scriptOf(args: readonly string[]): string | undefined {
  for (const arg of args) {
    if (NO_SCRIPT.has(arg)) return undefined;
    if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

export function processingCommand(
  argv: readonly string[],
  displayArgv: readonly string[],
): ProcessingCommand {
  const [program, ...rest] = argv;
  if (program === undefined || program === "") {
    return {
      ok: false,
      reason: `AppSpecification.ContainerEntrypoint is empty: the built-in processing image has no default entry point; ${USE}.`,
    };
  }
  const name = basename(program);
  const shown = displayArgv.join(" ");
  let result: ProcessingCommand;
  if (PYTHON.test(name)) {
    result = { ok: true, command: "python3", args: rest, interpreter: "python3", script: scriptOf(rest) };
  } else if (name === "node" || name === "tsx") {
    const script = scriptOf(rest);
    const typescript = name === "tsx" || (script !== undefined && TYPESCRIPT.has(extname(script)));
    result = {
      ok: true,
      command: process.execPath,
      args: typescript ? [...tsxImportArgs(), ...rest] : rest,
      interpreter: typescript ? "node (tsx)" : "node",
      script,
    };
  } else if (SCRIPT.has(extname(program))) {
    const extension = extname(program);
    result =
      extension === ".py"
        ? { ok: true, command: "python3", args: [program, ...rest], interpreter: "python3", script: program }
        : {
            ok: true,
            command: process.execPath,
            args: TYPESCRIPT.has(extension) ? [...tsxImportArgs(), program, ...rest] : [program, ...rest],
            interpreter: TYPESCRIPT.has(extension) ? "node (tsx)" : "node",
            script: program,
          };
  } else {
    return {
      ok: false,
      reason: `The built-in processing image cannot run "${displayArgv[0]}" (ContainerEntrypoint ${JSON.stringify(displayArgv.slice(0, 3))}): it runs Python, TypeScript and JavaScript only; ${USE}.`,
    };
  }
  if (result.ok && result.script !== undefined && !existsSync(result.script)) {
    return {
      ok: false,
      reason: `The entry point's script does not exist (${shown}): add the code as a ProcessingInput (the SageMaker Python SDK uploads it as input "code" with LocalPath /opt/ml/processing/input/code).`,
    };
  }
  return result;
}

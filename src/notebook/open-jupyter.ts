/**
 * `npm run jupyter`: registers the project's tslab kernel, points Jupyter at it (JUPYTER_PATH) and opens the labs
 * in JupyterLab, or in the classic notebook when JupyterLab is not installed. A Node script rather than a shell
 * one-liner, so it works the same from bash, zsh, PowerShell and cmd. When neither Jupyter is found it says which
 * commands it looked for and the one line that installs one, and exits 1.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../project";
import { installProjectKernel, projectJupyterPath } from "./install-kernel";

export interface JupyterApp {
  /** What is started, for the message: "JupyterLab" or "Jupyter Notebook". */
  name: string;
  /** The executable found on PATH. */
  command: string;
}

/** The programs to look for, best first: `jupyter lab` and `jupyter notebook` are these executables. */
const APPS = [
  { name: "JupyterLab", program: "jupyter-lab" },
  { name: "Jupyter Notebook", program: "jupyter-notebook" },
];

/** Finds `program` on PATH as the OS would (PATHEXT on Windows: jupyter-lab.exe, .cmd, ...). */
export function findOnPath(
  program: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const windows = platform === "win32";
  const pathValue = (windows ? (env.Path ?? env.PATH) : env.PATH) ?? "";
  const delimiter = windows ? ";" : ":";
  const extensions = windows
    ? (env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD")
        .split(";")
        .filter(Boolean)
        .map((e) => e.toLowerCase())
    : [""];
  for (const dir of pathValue.split(delimiter).filter(Boolean)) {
    for (const ext of extensions) {
      const candidate = path.join(dir, program + ext);
      try {
        if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
      } catch {
        // unreadable folder on PATH: skip it
      }
    }
  }
  return undefined;
}

/** JupyterLab when installed, else the classic notebook, else undefined. */
export function findJupyterApp(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): JupyterApp | undefined {
  for (const app of APPS) {
    const command = findOnPath(app.program, env, platform);
    if (command) return { name: app.name, command };
  }
  return undefined;
}

/** What to say when no Jupyter is found: what was looked for and the one line that installs one. */
export function missingJupyterMessage(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const apt = platform === "linux" && findOnPath("apt-get", env, platform) !== undefined;
  const install = apt
    ? "sudo apt-get install jupyter-notebook        (Debian/Ubuntu: the classic notebook)\n" +
      "  or: python3 -m pip install --user jupyterlab (JupyterLab; in a virtual environment without --user)"
    : platform === "win32"
      ? "py -m pip install jupyterlab                 (then open a new terminal so jupyter-lab is on PATH)"
      : "python3 -m pip install jupyterlab";
  return [
    "npm run jupyter: no Jupyter to open: neither jupyter-lab (JupyterLab) nor jupyter-notebook (the classic",
    "notebook) is on PATH. Jupyter 노트북 앱이 없습니다. 다음 한 줄로 설치하세요 (install one with):",
    `  ${install}`,
    "The labs also run without Jupyter: npm run labs (Jupyter 없이 헤드리스 실행).",
  ].join("\n");
}

/** The environment Jupyter starts with: the project's kernel folder first on JUPYTER_PATH. */
export function jupyterEnv(
  root: string = projectRoot(),
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const own = projectJupyterPath(root);
  const rest = env.JUPYTER_PATH ? `${path.delimiter}${env.JUPYTER_PATH}` : "";
  return { ...env, JUPYTER_PATH: `${own}${rest}` };
}

function main(): void {
  const root = projectRoot();
  const kernel = installProjectKernel(root);
  console.log(`Registered the tslab kernel for this project: ${kernel}`);
  const app = findJupyterApp();
  if (!app) {
    console.error(missingJupyterMessage());
    process.exitCode = 1;
    return;
  }
  const env = jupyterEnv(root);
  console.log(`Starting ${app.name} (${app.command}) on labs/ with JUPYTER_PATH=${env.JUPYTER_PATH}`);
  // Ctrl-C reaches Jupyter itself (same terminal); this process only waits for it and passes its exit code on.
  process.on("SIGINT", () => {});
  const child = spawn(app.command, [path.join(root, "labs")], {
    cwd: root,
    env,
    stdio: "inherit",
    // A .cmd/.bat shim (some Windows installs) needs the shell; an .exe or a Unix script does not.
    shell: process.platform === "win32" && /\.(cmd|bat)$/i.test(app.command),
  });
  child.on("error", (error) => {
    console.error(`Could not start ${app.command}: ${error.message}`);
    process.exitCode = 1;
  });
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (require.main === module) main();

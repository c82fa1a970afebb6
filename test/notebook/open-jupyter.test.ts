/**
 * `npm run jupyter` is a Node script (no `export`, `$PWD` or `command -v`): it finds JupyterLab or the classic
 * notebook on PATH as each OS does, puts the project's kernel first on JUPYTER_PATH, and without either says what
 * it looked for and the one line that installs one.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectJupyterPath } from "../../src/notebook/install-kernel";
import {
  findJupyterApp,
  findOnPath,
  jupyterEnv,
  missingJupyterMessage,
} from "../../src/notebook/open-jupyter";
import { ROOT, tempDir } from "./helpers";

function fakeProgram(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, "#!/bin/sh\nexit 0\n");
  chmodSync(file, 0o755);
  return file;
}

describe("npm run jupyter", () => {
  it("prefers JupyterLab, falls back to the classic notebook, searches PATH in order", () => {
    const a = tempDir("path-a");
    const b = tempDir("path-b");
    const notebook = fakeProgram(a, "jupyter-notebook");
    expect(findJupyterApp({ PATH: [a, b].join(":") }, "linux")).toEqual({
      name: "Jupyter Notebook",
      command: notebook,
    });
    const lab = fakeProgram(b, "jupyter-lab");
    expect(findJupyterApp({ PATH: [a, b].join(":") }, "linux")).toEqual({ name: "JupyterLab", command: lab });
    expect(findJupyterApp({ PATH: tempDir("empty") }, "linux")).toBeUndefined();
  });

  it("finds Windows executables through PATHEXT (Path, ';')", () => {
    const scripts = tempDir("scripts");
    const exe = fakeProgram(scripts, "jupyter-lab.exe");
    expect(findOnPath("jupyter-lab", { Path: `C:\\nowhere;${scripts}`, PATHEXT: ".COM;.EXE" }, "win32")).toBe(
      exe,
    );
    expect(findOnPath("jupyter-lab", { Path: scripts, PATHEXT: ".CMD" }, "win32")).toBeUndefined();
  });

  it("says what is missing and the one line that installs it", () => {
    const withApt = tempDir("apt");
    fakeProgram(withApt, "apt-get");
    const debian = missingJupyterMessage({ PATH: withApt }, "linux");
    expect(debian).toContain("neither jupyter-lab (JupyterLab) nor jupyter-notebook");
    expect(debian).toContain("sudo apt-get install jupyter-notebook");
    expect(debian).toContain("npm run labs");
    expect(missingJupyterMessage({ PATH: tempDir("none") }, "darwin")).toContain(
      "python3 -m pip install jupyterlab",
    );
    expect(missingJupyterMessage({ Path: "C:\\x" }, "win32")).toContain("py -m pip install jupyterlab");
  });

  it("puts the project's kernel folder first on JUPYTER_PATH, keeping the user's", () => {
    expect(jupyterEnv(ROOT, {}).JUPYTER_PATH).toBe(projectJupyterPath(ROOT));
    expect(jupyterEnv(ROOT, { JUPYTER_PATH: "/mine" }).JUPYTER_PATH).toBe(
      `${projectJupyterPath(ROOT)}${path.delimiter}/mine`,
    );
  });

  it("the command itself: registers the kernel and, with no Jupyter on PATH, exits 1 with the install line", () => {
    const bin = tempDir("bin");
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        path.join(ROOT, "src", "notebook", "open-jupyter.ts"),
      ],
      {
        cwd: ROOT,
        env: { PATH: bin, HOME: process.env.HOME ?? "" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain("Registered the tslab kernel");
    expect(run.stderr).toContain("no Jupyter to open");
    expect(run.stderr).toContain("pip install jupyterlab");
  });

  it("the command starts the notebook found on PATH on labs/ with the kernel's JUPYTER_PATH", () => {
    const bin = tempDir("bin-nb");
    const record = path.join(bin, "record.txt");
    const fake = path.join(bin, "jupyter-notebook");
    writeFileSync(fake, `#!/bin/sh\necho "$1|$JUPYTER_PATH|$(pwd)" > "${record}"\nexit 3\n`);
    chmodSync(fake, 0o755);
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        path.join(ROOT, "src", "notebook", "open-jupyter.ts"),
      ],
      {
        cwd: ROOT,
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: process.env.HOME ?? "" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toContain("Starting Jupyter Notebook");
    expect(readFileSync(record, "utf8").trim()).toBe(
      `${path.join(ROOT, "labs")}|${projectJupyterPath(ROOT)}|${ROOT}`,
    );
  });

  it("package.json's scripts use no shell-only syntax", () => {
    const pkg = JSON.parse(
      spawnSync(process.execPath, ["-p", "JSON.stringify(require('./package.json'))"], {
        cwd: ROOT,
        encoding: "utf8",
      }).stdout,
    ) as {
      scripts: Record<string, string>;
    };
    for (const [name, script] of Object.entries(pkg.scripts)) {
      expect(script, name).not.toMatch(/\bexport\b|\$PWD|\$\{?[A-Z_]+|command -v|\bif\b.*\bthen\b|;\s*fi\b/);
    }
  });
});

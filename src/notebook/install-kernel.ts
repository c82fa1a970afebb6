/**
 * Registers the tslab kernel for this project only: a kernel spec under `.work/jupyter/share/jupyter/kernels/tslab`
 * that starts the project's own tslab (through `tslab-kernel.ts`, which adds `execute_input`) with the Node running
 * this script. Nothing is written outside the project and no Python is needed; Jupyter finds the spec through `JUPYTER_PATH` (see `projectJupyterPath`).
 *
 * Usage: `npm run kernel` (after `npm run build`).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../project";

/** The folder to put in `JUPYTER_PATH` so Jupyter finds the project's kernel. */
export function projectJupyterPath(root: string = projectRoot()): string {
  return path.join(root, ".work", "jupyter", "share", "jupyter");
}

export interface KernelSpecFile {
  argv: string[];
  display_name: string;
  language: string;
}

/** Writes the kernel spec and returns the path of its kernel.json. */
export function installProjectKernel(
  root: string = projectRoot(),
  node: string = process.execPath,
  jupyterPath: string = projectJupyterPath(root),
): string {
  // Our wrapper of tslab's kernel (it adds the execute_input message nbconvert takes execution counts from);
  // tslab's own command when the project is not built yet.
  const wrapper = path.join(root, "dist", "notebook", "tslab-kernel.js");
  const tslabBin = path.join(root, "node_modules", "tslab", "bin", "tslab");
  const command = existsSync(wrapper) ? [wrapper] : [tslabBin, "kernel"];
  const spec: KernelSpecFile = {
    // `{connection_file}` must stay a separate argument: Jupyter substitutes whole arguments only.
    argv: [node, ...command, "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
  };
  const dir = path.join(jupyterPath, "kernels", "tslab");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  return file;
}

if (require.main === module) {
  const file = installProjectKernel();
  console.log(`Registered the tslab kernel for this project: ${file}`);
  console.log(
    `Point Jupyter at it with JUPYTER_PATH (npm run jupyter does): bash/zsh: export JUPYTER_PATH="${projectJupyterPath()}"` +
      `  PowerShell: $env:JUPYTER_PATH="${projectJupyterPath()}"`,
  );
}

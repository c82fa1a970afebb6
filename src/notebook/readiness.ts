/**
 * The setup lab's checks (1.1): is this machine ready for the workshop? Each check says what it found and, when
 * something is missing, the command that fixes it. Nothing here changes the machine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { locateNsmc, nsmcAbsenceReason } from "../data/nsmc";
import { sampleReviewsPath } from "../data/paths";
import { projectRoot } from "../project";
import { loadWorkshopConfig } from "../sagemaker/config";
import { projectJupyterPath } from "./install-kernel";

export interface ReadinessCheck {
  check: string;
  status: "ok" | "warn" | "fail";
  detail: string;
}

/** The packages the labs import, shown with their installed versions. */
export const WORKSHOP_PACKAGES = [
  "tslab",
  "typescript",
  "@aws-sdk/client-sagemaker",
  "@aws-sdk/client-sagemaker-runtime",
  "@aws-sdk/client-s3",
  "danfojs-node",
  "es-hangul",
  "plotly.js-dist-min",
] as const;

const MIN_NODE_MAJOR = 20;

export function nodeReadiness(version: string = process.versions.node): ReadinessCheck {
  const major = Number(version.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? { check: "Node.js", status: "ok", detail: `v${version}` }
    : {
        check: "Node.js",
        status: "fail",
        detail: `v${version}: the workshop needs Node ${MIN_NODE_MAJOR} or newer.`,
      };
}

export function kernelReadiness(root: string = projectRoot()): ReadinessCheck {
  const spec = path.join(projectJupyterPath(root), "kernels", "tslab", "kernel.json");
  if (!existsSync(spec)) {
    return {
      check: "Jupyter kernel",
      status: "warn",
      detail: "not registered: run `npm run kernel` to open the labs in Jupyter.",
    };
  }
  const argv = (JSON.parse(readFileSync(spec, "utf8")) as { argv?: string[] }).argv ?? [];
  const missing = argv.slice(0, 2).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    return {
      check: "Jupyter kernel",
      status: "warn",
      detail: `${spec} points at ${missing.join(", ")}, which no longer exists: run \`npm run kernel\` again.`,
    };
  }
  return { check: "Jupyter kernel", status: "ok", detail: `tslab, JUPYTER_PATH=${projectJupyterPath(root)}` };
}

export function installedPackageVersion(name: string, root: string = projectRoot()): string | undefined {
  const file = path.join(root, "node_modules", ...name.split("/"), "package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
}

export function packageReadiness(root: string = projectRoot()): ReadinessCheck[] {
  return WORKSHOP_PACKAGES.map((name) => {
    const version = installedPackageVersion(name, root);
    return version
      ? { check: `package ${name}`, status: "ok", detail: version }
      : { check: `package ${name}`, status: "fail", detail: "not installed: run `npm ci`." };
  });
}

function newestMtime(dir: string, extension: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, extension));
    else if (entry.name.endsWith(extension)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Notebooks import the compiled `dist/`: a source change reaches them only after `npm run build`. */
export function buildReadiness(root: string = projectRoot()): ReadinessCheck {
  const dist = path.join(root, "dist");
  const src = path.join(root, "src");
  if (!existsSync(path.join(dist, "index.js"))) {
    return { check: "ko-sagemaker build", status: "fail", detail: "dist/ is missing: run `npm run build`." };
  }
  if (existsSync(src) && newestMtime(src, ".ts") > newestMtime(dist, ".js")) {
    return {
      check: "ko-sagemaker build",
      status: "warn",
      detail: "src/ changed since the last build: run `npm run build`.",
    };
  }
  return { check: "ko-sagemaker build", status: "ok", detail: "dist/ is up to date with src/" };
}

export function modeReadiness(env: NodeJS.ProcessEnv = process.env): ReadinessCheck {
  try {
    const config = loadWorkshopConfig(env);
    if (config.mode === "local") {
      return {
        check: "SageMaker mode",
        status: "ok",
        detail: "local: local SageMaker on 127.0.0.1 (free, offline)",
      };
    }
    const problems = [
      config.roleArn ? undefined : "no execution role (SM_ROLE_ARN)",
      config.confirmCosts ? undefined : "costs not confirmed (SM_CONFIRM_COSTS=1)",
    ].filter((p): p is string => p !== undefined);
    return {
      check: "SageMaker mode",
      status: problems.length === 0 ? "ok" : "warn",
      detail: `aws, region ${config.region}${problems.length ? `: ${problems.join("; ")}` : ""}`,
    };
  } catch (err) {
    return { check: "SageMaker mode", status: "fail", detail: (err as Error).message };
  }
}

export function dataReadiness(root: string = projectRoot()): ReadinessCheck[] {
  const nsmc = locateNsmc(root);
  const sample = sampleReviewsPath(root);
  return [
    nsmc
      ? { check: "NSMC corpus", status: "ok", detail: `${nsmc.dir} (from ${nsmc.source})` }
      : { check: "NSMC corpus", status: "warn", detail: nsmcAbsenceReason(root) },
    existsSync(sample)
      ? { check: "sample reviews", status: "ok", detail: path.relative(root, sample) }
      : { check: "sample reviews", status: "fail", detail: `${sample} is missing: restore it from git.` },
  ];
}

/** Every check, in the order the setup lab shows them. */
export function workshopReadiness(
  root: string = projectRoot(),
  env: NodeJS.ProcessEnv = process.env,
): ReadinessCheck[] {
  return [
    nodeReadiness(),
    buildReadiness(root),
    kernelReadiness(root),
    ...packageReadiness(root),
    modeReadiness(env),
    ...dataReadiness(root),
  ];
}

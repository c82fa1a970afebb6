/**
 * The setup lab's checks (1.1): is this machine ready for the workshop? Each check says what it found and, when
 * something is missing, the command that fixes it. Nothing here changes the machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { resolveKnobPath } from "../common/knob-path";
import { locateNsmc, NSMC_REPAIR, nsmcAbsenceBilingual, verifyNsmcCopy } from "../data/nsmc";
import { dataFolders, sampleReviewsPath } from "../data/paths";
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
/** The Node lines the workshop recommends: the current LTS releases. */
export const RECOMMENDED_NODE_MAJORS = [22, 24] as const;

/**
 * Node 20 still runs everything (the suite passes on it), but it reached end of life in April 2026 and the AWS SDK
 * for JavaScript needs Node 22 or newer from January 2027: a warning with the fix. 22 and 24 (LTS) are ok.
 */
export function nodeReadiness(version: string = process.versions.node): ReadinessCheck {
  const major = Number(version.split(".")[0]);
  if (major < MIN_NODE_MAJOR) {
    return {
      check: "Node.js",
      status: "fail",
      detail: `v${version}: the workshop needs Node ${MIN_NODE_MAJOR} or newer; install Node 22 or 24 (LTS).`,
    };
  }
  if (major < RECOMMENDED_NODE_MAJORS[0]) {
    return {
      check: "Node.js",
      status: "warn",
      detail:
        `v${version} works, but Node ${major} reached end of life in April 2026 and the AWS SDK needs Node 22+ from ` +
        "January 2027: install Node 22 or 24 (LTS), then `npm ci` again. " +
        `(Node ${major}은 2026년 4월에 지원이 끝났고 AWS SDK는 2027년 1월부터 Node 22 이상이 필요합니다.)`,
    };
  }
  const lts = major % 2 === 0 ? " (LTS line)" : " (a current release; the LTS lines are 22 and 24)";
  return { check: "Node.js", status: "ok", detail: `v${version}${lts}` };
}

/** Font families with Korean glyphs on this machine, by fontconfig (`fc-list :lang=ko`); undefined without it. */
function koreanFontFamilies(): string[] | undefined {
  const run = spawnSync("fc-list", [":lang=ko", "family"], { encoding: "utf8", timeout: 5_000 });
  if (run.error || run.status !== 0) return undefined;
  return [
    ...new Set(
      run.stdout
        .split("\n")
        .map((line) => line.split(",")[0]?.trim() ?? "")
        .filter(Boolean),
    ),
  ].sort();
}

/**
 * Korean needs a CJK font wherever the notebook is drawn. A browser on a desktop (macOS, Windows, a Linux desktop)
 * has one; a browser or renderer inside a headless Linux box, a container or WSL often has none and draws boxes.
 * Checked with fontconfig on Linux; other systems ship Korean fonts (Apple SD Gothic Neo, Malgun Gothic).
 */
export function fontReadiness(platform: NodeJS.Platform = process.platform): ReadinessCheck {
  if (platform === "darwin" || platform === "win32") {
    return {
      check: "Korean font",
      status: "ok",
      detail: `${platform === "darwin" ? "macOS" : "Windows"} ships Korean fonts (Apple SD Gothic Neo / Malgun Gothic)`,
    };
  }
  const families = koreanFontFamilies();
  const install =
    "Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk` (Fedora: google-noto-sans-cjk-fonts); a browser on another machine uses that machine's fonts.";
  if (families === undefined) {
    return {
      check: "Korean font",
      status: "warn",
      detail: `cannot check (no fontconfig \`fc-list\`): if Korean shows as boxes in a browser on this machine, install a CJK font. ${install}`,
    };
  }
  if (families.length === 0) {
    return {
      check: "Korean font",
      status: "warn",
      detail: `none found: Korean in charts and tables shows as boxes in a browser on this machine (headless, Docker, WSL). ${install}`,
    };
  }
  const shown = families.slice(0, 3).join(", ");
  return {
    check: "Korean font",
    status: "ok",
    detail: `${shown}${families.length > 3 ? ` and ${families.length - 3} more` : ""}`,
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
      : { check: "NSMC corpus", status: "warn", detail: nsmcAbsenceBilingual(root) },
    existsSync(sample)
      ? { check: "sample reviews", status: "ok", detail: path.relative(root, sample) }
      : { check: "sample reviews", status: "fail", detail: `${sample} is missing: restore it from git.` },
  ];
}

/**
 * The corpus checked as `npm run data` checks it: each file's size and SHA-256 against the pinned values, in the
 * folder the labs would use (NSMC_DIR, then data/nsmc). A damaged copy is reported with the fix; the labs then use
 * the sample reviews.
 */
export async function nsmcChecksumReadiness(root: string = projectRoot()): Promise<ReadinessCheck[]> {
  const named = process.env.NSMC_DIR;
  const folders = [
    ...(named ? [{ dir: resolveKnobPath(named), label: `NSMC_DIR=${named}` }] : []),
    { dir: dataFolders(root).nsmc, label: "data/nsmc" },
  ].map((folder) => ({
    ...folder,
    where: folder.label.endsWith(folder.dir) ? folder.label : `${folder.label} (${folder.dir})`,
  }));
  const checks: ReadinessCheck[] = [];
  for (const { dir, label, where } of folders) {
    const files = await verifyNsmcCopy(dir);
    if (files.every((f) => f.verdict === "missing")) {
      if (label === "data/nsmc" && checks.length === 0 && !named) {
        checks.push({
          check: "NSMC checksums",
          status: "warn",
          detail: `검증할 사본이 없습니다 (no copy to verify): ${nsmcAbsenceBilingual(root)}`,
        });
      } else if (label !== "data/nsmc") {
        checks.push({
          check: "NSMC checksums",
          status: "warn",
          detail: `${label}: neither file is there (${dir}).`,
        });
      }
      continue;
    }
    const bad = files.filter((f) => f.verdict !== "ok");
    if (bad.length === 0) {
      const sizes = files.map((f) => `${f.name} ${((f.bytes ?? 0) / 1e6).toFixed(1)} MB`).join(", ");
      checks.push({
        check: "NSMC checksums",
        status: "ok",
        detail: `${label} (${dir}): ${sizes}, SHA-256 as pinned`,
      });
      continue;
    }
    const problems = bad.map((f) =>
      f.verdict === "missing"
        ? `${f.name} is missing`
        : f.verdict === "size"
          ? `${f.name} has ${(f.bytes ?? 0).toLocaleString("en-US")} bytes, not ${f.expectedBytes.toLocaleString("en-US")}`
          : `${f.name} has SHA-256 ${f.sha256?.slice(0, 12)}…, not the pinned one`,
    );
    checks.push({
      check: "NSMC checksums",
      status: "warn",
      detail: `${where} is damaged: ${problems.join("; ")}. ${NSMC_REPAIR}. Until then the labs use the sample reviews in data/sample. (손상된 사본입니다: 고칠 때까지 실습은 예시 리뷰로 진행합니다.)`,
    });
  }
  return checks;
}

/** Every check that needs no waiting, in the order the setup lab shows them (nsmcChecksumReadiness is async). */
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
    fontReadiness(),
    ...dataReadiness(root),
  ];
}

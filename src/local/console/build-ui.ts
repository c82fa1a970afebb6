import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { projectRoot } from "../../project";

/**
 * Builds the console's pages (`npm run build`, so also `npm ci`'s prepare) into dist/console/: index.html, the
 * bundled Preact app and its stylesheet under content-hashed names, and plotly.js copied from its package, each
 * also gzipped for browsers that take it. The server serves these files as they are; nothing is built at run time.
 */

const root = projectRoot();
const ui = join(root, "src", "local", "console", "ui");
const out = join(root, "dist", "console");
const assets = join(out, "assets");

const hash = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex").slice(0, 10);

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(assets, { recursive: true });

  const plotlyDir = join(root, "node_modules", "plotly.js-dist-min");
  const plotly = readFileSync(join(plotlyDir, "plotly.min.js"));
  const plotlyVersion = (
    JSON.parse(readFileSync(join(plotlyDir, "package.json"), "utf8")) as { version: string }
  ).version;
  const plotlyFile = `plotly-${plotlyVersion}.${hash(plotly)}.min.js`;
  writeFileSync(join(assets, plotlyFile), plotly);

  const result = await build({
    entryPoints: [join(ui, "main.tsx")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    define: { __PLOTLY_FILE__: JSON.stringify(plotlyFile) },
    outdir: assets,
    entryNames: "app.[hash]",
    assetNames: "[name].[hash]",
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    tsconfig: join(ui, "tsconfig.json"),
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => join(root, file));
  const js = outputs.find((file) => file.endsWith(".js"));
  const css = outputs.find((file) => file.endsWith(".css"));
  if (!js || !css)
    throw new Error(`the console's build wrote no script or no stylesheet: ${outputs.join(", ")}`);
  const html = readFileSync(join(ui, "index.html"), "utf8")
    .replace("%APP_JS%", relative(assets, js))
    .replace("%APP_CSS%", relative(assets, css));
  writeFileSync(join(out, "index.html"), html);

  const lines: string[] = [];
  for (const file of [js, css, join(assets, plotlyFile)]) {
    const body = readFileSync(file);
    const zipped = gzipSync(body, { level: 9 });
    writeFileSync(`${file}.gz`, zipped);
    lines.push(`  ${relative(out, file)}  ${kib(body.length)} (gzip ${kib(zipped.length)})`);
  }
  process.stdout.write(
    `console: built ${relative(root, out)}/ (${kib(statSync(join(out, "index.html")).size)} index.html)\n${lines.join("\n")}\n`,
  );
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

main().catch((error: unknown) => {
  process.stderr.write(`console build failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

/**
 * `npm run data`: makes NSMC available in data/nsmc (downloaded and checksum-verified), or verifies the
 * local copy named by NSMC_DIR. Exit code 0 when the corpus is ready, 1 with an explanation otherwise.
 */
import { relative } from "node:path";
import { NsmcUnavailableError } from "./errors";
import { fetchNsmc, type NsmcFetchEvent } from "./nsmc";

const interactive = Boolean(process.stdout.isTTY);
const reportedQuarters = new Map<string, number>();
/** A terminal line is redrawn at most this often; chunks arrive far faster. */
const REDRAW_MS = 100;
let lastRedraw = 0;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function show(event: NsmcFetchEvent): void {
  const name = relative(process.cwd(), event.file) || event.file;
  switch (event.kind) {
    case "present":
      console.log(`✓ ${name} already present, checksum OK`);
      break;
    case "verified-local":
      console.log(`✓ ${name} (NSMC_DIR) checksum OK`);
      break;
    case "copied":
      console.log(`✓ copied to ${name}: later shells need no NSMC_DIR`);
      break;
    case "downloading":
      console.log(`↓ ${event.url}`);
      break;
    case "progress": {
      const percent = event.total ? Math.floor((event.received / event.total) * 100) : undefined;
      if (interactive) {
        const now = Date.now();
        if (now - lastRedraw < REDRAW_MS && event.received !== event.total) break;
        lastRedraw = now;
        const of = event.total ? ` / ${megabytes(event.total)} (${percent}%)` : "";
        process.stdout.write(`\r  ${megabytes(event.received)}${of}   `);
      } else if (percent !== undefined) {
        // Logs get a line per quarter, not one per chunk.
        const quarter = Math.floor(percent / 25);
        if (quarter > (reportedQuarters.get(event.file) ?? 0)) {
          reportedQuarters.set(event.file, quarter);
          console.log(`  ${percent}% of ${megabytes(event.total as number)}`);
        }
      }
      break;
    }
    case "downloaded":
      if (interactive) process.stdout.write("\n");
      console.log(`✓ ${name} downloaded, checksum OK`);
      break;
  }
}

async function main(): Promise<void> {
  try {
    const location = await fetchNsmc({ onEvent: show });
    console.log(`NSMC is ready in ${location.dir}`);
  } catch (error) {
    if (interactive) process.stdout.write("\n");
    if (error instanceof NsmcUnavailableError) {
      console.error(`NSMC is not available.\n${error.message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

void main();

import { resolve } from "node:path";

/**
 * The installed project: package.json, node_modules, labs/ and .work/ live here. This file sits directly in
 * src/ (tsx, vitest) or dist/ (compiled), so the root is one level up in both cases.
 */
export function projectRoot(): string {
  return resolve(__dirname, "..");
}

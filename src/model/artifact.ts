/**
 * The model directory: `config.json` (what the model is) and `weights.bin` (its numbers). This directory is
 * what model.tar.gz carries, so loading trusts nothing: it checks the architecture, the format version, the
 * weight file's magic, header, exact size and SHA-256 before a single prediction is made.
 *
 * weights.bin (little-endian):
 *   0  8 bytes  magic "KONGRAMW"
 *   8  uint32   format version
 *  12  uint32   models (1 for two classes, else one per class)
 *  16  uint32   dimension (2^hashBits)
 *  20  float32  bias × models
 *  ..  float16  weights × models × dimension (model-major)
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { ARCHITECTURE, FORMAT_VERSION, NgramClassifier } from "./classifier";
import { validateFeatureParams } from "./features";
import { decodeHalf, encodeHalf } from "./half";
import type { LinearWeights } from "./linear";
import type { ModelConfig } from "./types";

export const CONFIG_FILE = "config.json";
export const WEIGHTS_FILE = "weights.bin";
const MAGIC = "KONGRAMW";
const HEADER_BYTES = 20;

/** A model directory that cannot be used, with what was wrong and what to do. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelLoadError";
  }
}

export function weightsByteSize(models: number, dimension: number): number {
  return HEADER_BYTES + 4 * models + 2 * models * dimension;
}

function requireLittleEndian(): void {
  if (endianness() !== "LE") throw new Error("Model files are little-endian; this machine is big-endian.");
}

/** Rounds weights to what the file will hold, so a model predicts the same before and after a save. */
export function quantizeWeights(w: LinearWeights): LinearWeights {
  return { ...w, weights: decodeHalf(encodeHalf(w.weights)) };
}

export function encodeWeights(w: LinearWeights): Buffer {
  requireLittleEndian();
  const buf = Buffer.alloc(weightsByteSize(w.models, w.dimension));
  buf.write(MAGIC, 0, "ascii");
  buf.writeUInt32LE(FORMAT_VERSION, 8);
  buf.writeUInt32LE(w.models, 12);
  buf.writeUInt32LE(w.dimension, 16);
  for (let m = 0; m < w.models; m++) buf.writeFloatLE(w.bias[m] as number, HEADER_BYTES + 4 * m);
  const halves = encodeHalf(w.weights);
  Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength).copy(buf, HEADER_BYTES + 4 * w.models);
  return buf;
}

export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** Writes config.json and weights.bin (each through a temporary name, so a crash leaves no half file). */
export function saveModelDir(dir: string, config: ModelConfig, weightsFile: Buffer): void {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, data: Buffer | string): void => {
    const tmp = join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(dir, name));
  };
  write(WEIGHTS_FILE, weightsFile);
  write(CONFIG_FILE, `${JSON.stringify(config, null, 2)}\n`);
}

function fail(dir: string, problem: string, fix: string): never {
  throw new ModelLoadError(`Cannot load the model in ${dir}: ${problem}. ${fix}`);
}

const RETRAIN = "Re-train it (npm run model:train) or copy the model directory again.";

function readConfig(dir: string): ModelConfig {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    fail(dir, "no such directory", "Pass the folder that holds config.json and weights.bin.");
  }
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) {
    fail(
      dir,
      `${CONFIG_FILE} is missing`,
      "Pass a model directory written by trainClassifier(...).save(dir).",
    );
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(readFileSync(path, "utf8")) as ModelConfig;
  } catch (error) {
    fail(dir, `${CONFIG_FILE} is not valid JSON (${(error as Error).message})`, RETRAIN);
  }
  if (typeof config !== "object" || config === null || config.architecture !== ARCHITECTURE) {
    const found =
      typeof config === "object" && config !== null ? String(config.architecture) : String(config);
    fail(
      dir,
      `${CONFIG_FILE} describes architecture "${found}", not "${ARCHITECTURE}"`,
      "This loader reads only models trained by this package.",
    );
  }
  if (config.formatVersion !== FORMAT_VERSION) {
    fail(
      dir,
      `format version ${String(config.formatVersion)} is not supported (this version reads ${FORMAT_VERSION})`,
      "Use the package version that wrote it, or re-train.",
    );
  }
  const labels = config.dataLabels;
  if (
    !Array.isArray(labels) ||
    labels.length < 2 ||
    typeof config.id2label !== "object" ||
    config.id2label === null
  ) {
    fail(dir, `${CONFIG_FILE} has no usable dataLabels/id2label`, RETRAIN);
  }
  for (let id = 0; id < labels.length; id++) {
    const name = config.id2label[String(id)];
    if (typeof name !== "string" || config.label2id?.[name] !== id) {
      fail(dir, `${CONFIG_FILE}: id2label and label2id disagree at class ${id}`, RETRAIN);
    }
  }
  const expectedModels = labels.length === 2 ? 1 : labels.length;
  if (config.models !== expectedModels) {
    fail(
      dir,
      `${CONFIG_FILE} says ${String(config.models)} linear models for ${labels.length} classes (expected ${expectedModels})`,
      RETRAIN,
    );
  }
  try {
    validateFeatureParams(config.features);
  } catch (error) {
    fail(dir, `${CONFIG_FILE} has bad feature parameters (${(error as Error).message})`, RETRAIN);
  }
  if (config.weights?.file !== WEIGHTS_FILE || config.weights.dtype !== "float16") {
    fail(
      dir,
      `${CONFIG_FILE} names weights "${String(config.weights?.file)}" (${String(config.weights?.dtype)}); expected ${WEIGHTS_FILE} (float16)`,
      RETRAIN,
    );
  }
  return config;
}

export function loadModelDir(dir: string): NgramClassifier {
  requireLittleEndian();
  const config = readConfig(dir);
  const path = join(dir, WEIGHTS_FILE);
  if (!existsSync(path)) fail(dir, `${WEIGHTS_FILE} is missing`, RETRAIN);
  const dimension = 2 ** config.features.hashBits;
  const expected = weightsByteSize(config.models, dimension);
  const size = statSync(path).size;
  if (size !== expected || config.weights.bytes !== expected) {
    fail(
      dir,
      `${WEIGHTS_FILE} is ${size} bytes but this model needs ${expected} (config.json says ${String(config.weights.bytes)}); the file is truncated or belongs to another model`,
      RETRAIN,
    );
  }
  const buf = readFileSync(path);
  if (buf.toString("ascii", 0, MAGIC.length) !== MAGIC) {
    fail(
      dir,
      `${WEIGHTS_FILE} does not start with "${MAGIC}": it is not a weights file of this package`,
      RETRAIN,
    );
  }
  const version = buf.readUInt32LE(8);
  const models = buf.readUInt32LE(12);
  const dim = buf.readUInt32LE(16);
  if (version !== FORMAT_VERSION || models !== config.models || dim !== dimension) {
    fail(
      dir,
      `${WEIGHTS_FILE} header (version ${version}, ${models} models × ${dim}) does not match ${CONFIG_FILE} (version ${FORMAT_VERSION}, ${config.models} × ${dimension})`,
      RETRAIN,
    );
  }
  if (sha256(buf) !== config.weights.sha256) {
    fail(dir, `${WEIGHTS_FILE} fails its SHA-256 check: the file is corrupted`, RETRAIN);
  }
  const bias = new Float32Array(models);
  for (let m = 0; m < models; m++) bias[m] = buf.readFloatLE(HEADER_BYTES + 4 * m);
  const start = HEADER_BYTES + 4 * models;
  // Copy into an aligned array: a Buffer's byte offset is not guaranteed even.
  const halves = new Uint16Array(models * dimension);
  Buffer.from(halves.buffer).set(buf.subarray(start, start + 2 * models * dimension));
  return new NgramClassifier(config, { models, dimension, bias, weights: decodeHalf(halves) });
}

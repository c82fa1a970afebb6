/**
 * SageMaker JumpStart models, resolved the way the SageMaker Python SDK's `sagemaker.jumpstart` module does, from
 * JumpStart's public metadata for the region:
 *
 * - the manifest `models_manifest.json` at the root of the region's content bucket `jumpstart-cache-prod-<region>`
 *   (public, read over HTTPS: `https://jumpstart-cache-prod-<region>.s3.<region>.amazonaws.com/...`): a JSON array
 *   of headers `{ model_id, version, min_version, spec_key }`, one per model version;
 * - the spec file each header's `spec_key` names (`community_models_specs/...` or `specs/...`): the hosting image
 *   (`hosting_instance_type_variants`: regional aliases and per-instance-family `image_uri` references, or the
 *   older `hosting_ecr_specs`), the artifact (`hosting_prepacked_artifact_key`, else `hosting_artifact_key` with
 *   `hosting_script_key`; a key ending in `/` is an uncompressed prefix served through `ModelDataSource`), the
 *   container's `inference_environment_variables`, `default_inference_instance_type`,
 *   `supported_inference_instance_types` and `predictor_specs`.
 *
 * `JumpStartModel` deploys the result through the same CreateModel/CreateEndpointConfig/CreateEndpoint path as every
 * other model. AWS mode only: JumpStart's metadata and artifacts live in AWS's buckets, which local SageMaker (offline)
 * cannot reach.
 */
import { readFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import type {
  ContainerDefinition,
  CreateModelCommandInput,
  ModelDataSource,
  Tag,
} from "@aws-sdk/client-sagemaker";
import type { AsyncPredictor } from "./async-predictor";
import { huggingFaceImageUri, ImageUriError } from "./image-uris";
import { type AsyncInferenceOptions, DeployableModel, type DeployOptions, type ModelIdentity } from "./model";
import { assertSageMakerName, workshopTags } from "./naming";
import type { Predictor } from "./predictor";
import type { Serializer } from "./serializers";
import type { WorkshopSession } from "./session";

/** The part of `fetch` the resolver uses: inject one in tests (or to read a folder, see `folderFetch`). */
export type JumpStartFetch = (url: string) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  text(): Promise<string>;
}>;

/** The regions JumpStart publishes a content bucket in (the Python SDK's JUMPSTART_LAUNCHED_REGIONS). */
export const JUMPSTART_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-5",
  "ca-central-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
];

export const JUMPSTART_MANIFEST_KEY = "models_manifest.json";

export const jumpStartContentBucket = (region: string): string => `jumpstart-cache-prod-${region}`;
export const jumpStartGatedBucket = (region: string): string => `jumpstart-private-cache-prod-${region}`;

/** `https://jumpstart-cache-prod-<region>.s3.<region>.amazonaws.com` (`.com.cn` in the China regions). */
export function jumpStartContentUrl(region: string): string {
  const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${jumpStartContentBucket(region)}.s3.${region}.${domain}`;
}

/** One line of the manifest. */
export interface JumpStartModelHeader {
  model_id: string;
  version: string;
  min_version?: string;
  spec_key: string;
  search_keywords?: string[];
}

interface EnvironmentVariableSpec {
  name: string;
  type?: string;
  default: string | number | boolean;
  scope?: string;
  required_for_model_class?: boolean;
}

interface VariantProperties {
  artifact_key?: string;
  prepacked_artifact_key?: string;
  environment_variables?: Record<string, string>;
}

interface InstanceTypeVariants {
  regional_aliases?: Record<string, Record<string, string>>;
  variants?: Record<
    string,
    { regional_properties?: Record<string, string>; properties?: VariantProperties } | undefined
  >;
}

/** The fields of a spec file this resolver reads (the Python SDK's JumpStartModelSpecs reads these and more). */
export interface JumpStartModelSpec {
  model_id: string;
  version: string;
  url?: string;
  hosting_ecr_specs?: {
    framework?: string;
    framework_version?: string;
    py_version?: string;
    huggingface_transformers_version?: string;
  };
  hosting_artifact_key?: string;
  hosting_script_key?: string;
  hosting_prepacked_artifact_key?: string;
  hosting_use_script_uri?: boolean;
  hosting_eula_key?: string;
  gated_bucket?: boolean;
  inference_environment_variables?: EnvironmentVariableSpec[];
  default_inference_instance_type?: string;
  supported_inference_instance_types?: string[];
  hosting_instance_type_variants?: InstanceTypeVariants;
  predictor_specs?: {
    default_content_type: string;
    supported_content_types: string[];
    default_accept_type: string;
    supported_accept_types: string[];
  };
  deprecated?: boolean;
  deprecated_message?: string;
  inference_vulnerable?: boolean;
  inference_vulnerabilities?: string[];
  usage_info_message?: string;
  resource_name_base?: string;
}

/** What a model id and version come to in one region, for one instance type. */
export interface ResolvedJumpStartModel {
  modelId: string;
  version: string;
  region: string;
  specKey: string;
  /** Where the manifest and the spec were read. */
  manifestUrl: string;
  specUrl: string;
  instanceType: string;
  defaultInstanceType?: string;
  supportedInstanceTypes: string[];
  imageUri: string;
  /** A compressed `model.tar.gz` (ModelDataUrl) ... */
  modelDataUrl?: string;
  /** ... or an uncompressed prefix (ModelDataSource, CompressionType None; AcceptEula for a gated model). */
  modelDataSource?: ModelDataSource;
  environment: Record<string, string>;
  /** What the endpoint's inference script reads and answers by default (predictor_specs). */
  contentType: string;
  accept: string;
  supportedAcceptTypes: string[];
  /** The source's address (e.g. its Hugging Face Hub page). */
  url?: string;
  /** usage_info_message and the like, to show the user. */
  notes: string[];
}

export class JumpStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JumpStartError";
  }
}

/** Any use of JumpStart with a local session. */
export class JumpStartLocalModeError extends JumpStartError {
  constructor(modelId: string) {
    super(
      `JumpStart model "${modelId}" needs AWS: its manifest, spec files, image and artifact are in AWS's JumpStart ` +
        "buckets and ECR, which local SageMaker (offline) cannot reach. Locally, deploy the workshop's own model " +
        "instead (a HuggingFaceModel with the model.tar.gz of lab 3.3), or run this cell with SM_MODE=aws.",
    );
    this.name = "JumpStartLocalModeError";
  }
}

export class JumpStartModelNotFoundError extends JumpStartError {
  constructor(
    readonly modelId: string,
    region: string,
    readonly suggestions: string[],
  ) {
    super(
      `JumpStart has no model "${modelId}" in ${region}.` +
        (suggestions.length ? ` Did you mean: ${suggestions.join(", ")}?` : "") +
        " The model ids are listed at https://sagemaker.readthedocs.io/en/stable/doc_utils/pretrainedmodels.html.",
    );
    this.name = "JumpStartModelNotFoundError";
  }
}

export class JumpStartVersionNotFoundError extends JumpStartError {
  constructor(
    readonly modelId: string,
    readonly version: string,
    readonly available: string[],
  ) {
    super(
      `JumpStart model "${modelId}" has no version "${version}". Versions that exist: ${available.join(", ")} ` +
        '(or pass "*" for the newest).',
    );
    this.name = "JumpStartVersionNotFoundError";
  }
}

/** The metadata could not be read: offline, blocked, or the bucket answered an error. */
export class JumpStartNetworkError extends JumpStartError {
  constructor(url: string, reason: string) {
    super(
      `Could not read JumpStart's metadata at ${url} (${reason}). JumpStartModel reads the region's public model ` +
        "manifest and spec files over HTTPS: check that this machine is online (and any proxy lets " +
        "*.s3.<region>.amazonaws.com through), and that the region has JumpStart.",
    );
    this.name = "JumpStartNetworkError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Versions

const parseVersion = (version: string): number[] | undefined =>
  /^\d+(\.\d+)*$/.test(version) ? version.split(".").map(Number) : undefined;

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [];
  const y = parseVersion(b) ?? [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.localeCompare(b);
}

/** `"2.1.0"` exactly, `"*"` (or nothing) for the newest, `"2.*"` / `"2.1.*"` for the newest of a series. */
export function pickVersion(versions: readonly string[], wanted: string | undefined): string | undefined {
  const sorted = [...versions].sort(compareVersions);
  if (wanted === undefined || wanted === "*") return sorted.at(-1);
  if (wanted.endsWith(".*")) {
    const prefix = wanted.slice(0, -1);
    return sorted.filter((v) => v.startsWith(prefix)).at(-1);
  }
  return sorted.find((v) => v === wanted);
}

// ---------------------------------------------------------------------------------------------------------------
// Suggestions for an unknown id

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = kept;
    }
  }
  return row[b.length] as number;
}

function closeIds(wanted: string, ids: Iterable<string>, count = 3): string[] {
  return [...new Set(ids)]
    .map((id) => ({ id, distance: editDistance(wanted, id) }))
    .filter(
      ({ id, distance }) => distance <= Math.max(3, Math.floor(wanted.length / 3)) || id.includes(wanted),
    )
    .sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id))
    .slice(0, count)
    .map(({ id }) => id);
}

// ---------------------------------------------------------------------------------------------------------------
// The catalog: manifest and specs of one region

export interface JumpStartCatalogOptions {
  region: string;
  /** Default: the global fetch. */
  fetch?: JumpStartFetch;
  /** Default: `jumpStartContentUrl(region)`. */
  contentUrl?: string;
}

/** `ml.g5.2xlarge` → `g5`: the family a spec's variants may be keyed by. */
export const instanceFamily = (instanceType: string): string => instanceType.split(".")[1] ?? "";

/** Reads (once) the manifest and the specs of one region, and resolves model ids against them. */
export class JumpStartCatalog {
  readonly region: string;
  readonly contentUrl: string;
  private readonly fetchFn: JumpStartFetch;
  private manifestPromise?: Promise<JumpStartModelHeader[]>;
  private readonly specs = new Map<string, Promise<JumpStartModelSpec>>();

  constructor(options: JumpStartCatalogOptions) {
    if (!options.contentUrl && !JUMPSTART_REGIONS.includes(options.region)) {
      throw new JumpStartError(
        `JumpStart is not available in region "${options.region}". Regions with JumpStart: ${JUMPSTART_REGIONS.join(", ")}.`,
      );
    }
    this.region = options.region;
    this.contentUrl = (options.contentUrl ?? jumpStartContentUrl(options.region)).replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? ((url) => fetch(url));
  }

  get manifestUrl(): string {
    return `${this.contentUrl}/${JUMPSTART_MANIFEST_KEY}`;
  }

  specUrl(specKey: string): string {
    return `${this.contentUrl}/${specKey.replace(/^\/+/, "")}`;
  }

  private async readJson(url: string): Promise<unknown> {
    let response: Awaited<ReturnType<JumpStartFetch>>;
    try {
      response = await this.fetchFn(url);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new JumpStartNetworkError(url, cause?.code ?? cause?.message ?? (error as Error).message);
    }
    if (!response.ok) {
      throw new JumpStartNetworkError(
        url,
        `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      );
    }
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new JumpStartError(`JumpStart's file at ${url} is not JSON (${text.length} bytes).`);
    }
  }

  /** Every header of the manifest. */
  manifest(): Promise<JumpStartModelHeader[]> {
    this.manifestPromise ??= this.readJson(this.manifestUrl).then((value) => {
      if (!Array.isArray(value))
        throw new JumpStartError(`${this.manifestUrl} is not a JSON array of model headers.`);
      return value.filter(
        (h): h is JumpStartModelHeader =>
          typeof h?.model_id === "string" &&
          typeof h?.version === "string" &&
          typeof h?.spec_key === "string",
      );
    });
    this.manifestPromise.catch(() => {
      this.manifestPromise = undefined;
    });
    return this.manifestPromise;
  }

  /** The versions the manifest lists for a model id, oldest first (empty when the id is unknown). */
  async versions(modelId: string): Promise<string[]> {
    return (await this.manifest())
      .filter((h) => h.model_id === modelId)
      .map((h) => h.version)
      .sort(compareVersions);
  }

  /** The manifest header of `modelId` at `version` ("*" or none: the newest), or the error that says what exists. */
  async header(modelId: string, version?: string): Promise<JumpStartModelHeader> {
    const headers = await this.manifest();
    const mine = headers.filter((h) => h.model_id === modelId);
    if (mine.length === 0) {
      throw new JumpStartModelNotFoundError(
        modelId,
        this.region,
        closeIds(
          modelId,
          headers.map((h) => h.model_id),
        ),
      );
    }
    const picked = pickVersion(
      mine.map((h) => h.version),
      version,
    );
    const header = mine.find((h) => h.version === picked);
    if (!header) {
      throw new JumpStartVersionNotFoundError(
        modelId,
        version ?? "*",
        mine.map((h) => h.version).sort(compareVersions),
      );
    }
    return header;
  }

  async spec(header: JumpStartModelHeader): Promise<JumpStartModelSpec> {
    let spec = this.specs.get(header.spec_key);
    if (!spec) {
      const url = this.specUrl(header.spec_key);
      spec = this.readJson(url).then((value) => {
        const parsed = value as JumpStartModelSpec;
        if (parsed?.model_id !== header.model_id) {
          throw new JumpStartError(
            `The spec at ${url} describes "${parsed?.model_id}", not "${header.model_id}": the manifest and its specs disagree.`,
          );
        }
        return parsed;
      });
      spec.catch(() => this.specs.delete(header.spec_key));
      this.specs.set(header.spec_key, spec);
    }
    return spec;
  }

  /** Resolves a model id and version to what CreateModel needs, for `instanceType` (default: the spec's). */
  async resolve(
    modelId: string,
    options: {
      version?: string;
      instanceType?: string;
      acceptEula?: boolean;
      tolerateDeprecated?: boolean;
    } = {},
  ): Promise<ResolvedJumpStartModel> {
    const header = await this.header(modelId, options.version);
    const spec = await this.spec(header);
    return resolveSpec(spec, {
      region: this.region,
      specKey: header.spec_key,
      manifestUrl: this.manifestUrl,
      specUrl: this.specUrl(header.spec_key),
      ...options,
    });
  }
}

/** The variant properties for an instance type: its family's, overridden by its own. */
function variantProperties(
  variants: InstanceTypeVariants | undefined,
  instanceType: string,
): VariantProperties {
  const family = variants?.variants?.[instanceFamily(instanceType)]?.properties ?? {};
  const own = variants?.variants?.[instanceType]?.properties ?? {};
  return {
    ...family,
    ...own,
    environment_variables: { ...(family.environment_variables ?? {}), ...(own.environment_variables ?? {}) },
  };
}

/** `image_uri` of the instance type (or its family), looked up through the region's aliases (`$alias`). */
function variantImage(variants: InstanceTypeVariants | undefined, instanceType: string, region: string) {
  const reference =
    variants?.variants?.[instanceType]?.regional_properties?.image_uri ??
    variants?.variants?.[instanceFamily(instanceType)]?.regional_properties?.image_uri;
  if (!reference?.startsWith("$")) return undefined;
  return variants?.regional_aliases?.[region]?.[reference.slice(1)];
}

interface ResolveContext {
  region: string;
  specKey: string;
  manifestUrl: string;
  specUrl: string;
  instanceType?: string;
  acceptEula?: boolean;
  tolerateDeprecated?: boolean;
}

/** A spec file's answer for one region and instance type (exported for tests). */
export function resolveSpec(spec: JumpStartModelSpec, context: ResolveContext): ResolvedJumpStartModel {
  const name = `JumpStart model "${spec.model_id}" ${spec.version}`;
  if (spec.deprecated && !context.tolerateDeprecated) {
    throw new JumpStartError(
      `${name} is deprecated${spec.deprecated_message ? `: ${spec.deprecated_message}` : ""}. Pick a newer version, or pass tolerateDeprecated: true.`,
    );
  }
  if (spec.inference_vulnerable) {
    throw new JumpStartError(
      `${name} has inference dependencies with known vulnerabilities (${(spec.inference_vulnerabilities ?? []).join(", ") || "unnamed"}): pick another version.`,
    );
  }
  const gated = Boolean(spec.hosting_eula_key) || Boolean(spec.gated_bucket);
  if (gated && !context.acceptEula) {
    throw new JumpStartError(
      `${name} is gated by an end-user licence agreement${spec.hosting_eula_key ? ` (s3://${jumpStartContentBucket(context.region)}/${spec.hosting_eula_key})` : ""}: read it, then pass acceptEula: true.`,
    );
  }
  const supported = spec.supported_inference_instance_types ?? [];
  const instanceType = context.instanceType ?? spec.default_inference_instance_type;
  if (!instanceType) {
    throw new JumpStartError(`${name} names no default inference instance type: pass instanceType.`);
  }
  if (supported.length > 0 && !supported.includes(instanceType)) {
    throw new JumpStartError(
      `${name} does not support ${instanceType} for inference. Supported: ${supported.join(", ")}.`,
    );
  }
  const variants = spec.hosting_instance_type_variants;
  const properties = variantProperties(variants, instanceType);
  const prepackedKey = properties.prepacked_artifact_key ?? spec.hosting_prepacked_artifact_key;
  // The Python SDK: a model is served from a prepacked artifact when it has one or when it says not to use a script.
  const usesScript = !prepackedKey && spec.hosting_use_script_uri !== false;
  const artifactKey = usesScript
    ? (properties.artifact_key ?? spec.hosting_artifact_key)
    : (prepackedKey ?? properties.artifact_key ?? spec.hosting_artifact_key);
  if (!artifactKey) throw new JumpStartError(`${name} names no hosting artifact.`);
  if (usesScript && spec.hosting_script_key) {
    throw new JumpStartError(
      `${name} serves its artifact with a separate inference script (${spec.hosting_script_key}), which the ` +
        "Python SDK repacks into a new model.tar.gz in your bucket; this toolkit does not repack JumpStart artifacts. " +
        "Pick a version with a prepacked artifact (hosting_prepacked_artifact_key), usually the newest.",
    );
  }
  let imageUri = variantImage(variants, instanceType, context.region);
  if (!imageUri && spec.hosting_ecr_specs?.framework === "huggingface") {
    try {
      imageUri = huggingFaceImageUri({
        scope: "inference",
        region: context.region,
        transformersVersion: spec.hosting_ecr_specs.huggingface_transformers_version,
        pytorchVersion: spec.hosting_ecr_specs.framework_version,
        instanceType,
      });
    } catch (error) {
      if (!(error instanceof ImageUriError)) throw error;
    }
  }
  if (!imageUri) {
    throw new JumpStartError(
      `${name} has no inference image for ${instanceType} in ${context.region}: try another instance type` +
        (supported.length ? ` (${supported.join(", ")})` : "") +
        " or another region.",
    );
  }
  const bucket = spec.gated_bucket
    ? jumpStartGatedBucket(context.region)
    : jumpStartContentBucket(context.region);
  const s3 = `s3://${bucket}/${artifactKey}`;
  const environment: Record<string, string> = {};
  for (const variable of spec.inference_environment_variables ?? []) {
    if (variable.scope === undefined || variable.scope === "container") {
      environment[variable.name] = String(variable.default);
    }
  }
  Object.assign(environment, properties.environment_variables);
  const predictor = spec.predictor_specs;
  return {
    modelId: spec.model_id,
    version: spec.version,
    region: context.region,
    specKey: context.specKey,
    manifestUrl: context.manifestUrl,
    specUrl: context.specUrl,
    instanceType,
    defaultInstanceType: spec.default_inference_instance_type,
    supportedInstanceTypes: supported,
    imageUri,
    ...(artifactKey.endsWith("/")
      ? {
          modelDataSource: {
            S3DataSource: {
              S3Uri: s3,
              S3DataType: "S3Prefix",
              CompressionType: "None",
              ...(gated ? { ModelAccessConfig: { AcceptEula: true } } : {}),
            },
          },
        }
      : { modelDataUrl: s3 }),
    environment,
    contentType: predictor?.default_content_type ?? "application/json",
    accept: predictor?.default_accept_type ?? "application/json",
    supportedAcceptTypes: predictor?.supported_accept_types ?? [],
    url: spec.url,
    notes: [spec.usage_info_message].filter((note): note is string => Boolean(note)),
  };
}

/** The container definition of a resolved model: image, artifact and environment. */
export function jumpStartContainer(resolved: ResolvedJumpStartModel): ContainerDefinition {
  return {
    Image: resolved.imageUri,
    ...(resolved.modelDataUrl ? { ModelDataUrl: resolved.modelDataUrl } : {}),
    ...(resolved.modelDataSource ? { ModelDataSource: resolved.modelDataSource } : {}),
    ...(Object.keys(resolved.environment).length ? { Environment: resolved.environment } : {}),
  };
}

/** The tags the Python SDK puts on what a JumpStart model creates (next to the workshop's own). */
export const jumpStartTags = (resolved: Pick<ResolvedJumpStartModel, "modelId" | "version">): Tag[] => [
  { Key: "sagemaker-sdk:jumpstart-model-id", Value: resolved.modelId },
  { Key: "sagemaker-sdk:jumpstart-model-version", Value: resolved.version },
];

export function buildJumpStartModelRequest(
  name: string,
  roleArn: string,
  resolved: ResolvedJumpStartModel,
  tags: Tag[],
): CreateModelCommandInput {
  return {
    ModelName: assertSageMakerName(name, "model"),
    ExecutionRoleArn: roleArn,
    PrimaryContainer: jumpStartContainer(resolved),
    Tags: tags,
  };
}

/** `application/x-text`: the review itself as UTF-8, what JumpStart's text classification scripts read. */
export const textSerializer: Serializer = {
  contentType: "application/x-text",
  serialize(data) {
    if (data instanceof Uint8Array) return data;
    if (typeof data !== "string") throw new TypeError("application/x-text sends one string.");
    return new TextEncoder().encode(data);
  },
};

export interface JumpStartModelOptions extends ModelIdentity {
  modelId: string;
  /** An exact version, `"*"` (the default: the newest) or `"2.*"`. Pin one for repeatable deployments. */
  modelVersion?: string;
  /** Default: the spec's default_inference_instance_type. */
  instanceType?: string;
  /** Added to (and overriding) the spec's container environment. */
  environment?: Record<string, string>;
  /** Gated models only: you read and accept the model's licence. */
  acceptEula?: boolean;
  tolerateDeprecated?: boolean;
  /** Share one catalog (one manifest download) between models, or read a test fixture. */
  catalog?: JumpStartCatalog;
  fetch?: JumpStartFetch;
}

/**
 * The Python SDK's `JumpStartModel(model_id, model_version).deploy()`: resolves the model from JumpStart's metadata
 * (`resolve()`), then creates the model, endpoint config and endpoint like any other model, with the spec's default
 * instance type and a Predictor that speaks the spec's default content type.
 */
export class JumpStartModel extends DeployableModel {
  readonly catalog: JumpStartCatalog;
  private readonly resolved = new Map<string, Promise<ResolvedJumpStartModel>>();
  private current?: ResolvedJumpStartModel;

  constructor(
    session: WorkshopSession,
    readonly options: JumpStartModelOptions,
  ) {
    if (session.mode === "local") throw new JumpStartLocalModeError(options.modelId);
    super(session, options);
    this.catalog = options.catalog ?? new JumpStartCatalog({ region: session.region, fetch: options.fetch });
  }

  /** What the model id and version come to for `instanceType` (default: the model's, else the spec's). */
  resolve(instanceType = this.options.instanceType): Promise<ResolvedJumpStartModel> {
    const key = instanceType ?? "(default)";
    let resolved = this.resolved.get(key);
    if (!resolved) {
      resolved = this.catalog
        .resolve(this.options.modelId, {
          version: this.options.modelVersion,
          instanceType,
          acceptEula: this.options.acceptEula,
          tolerateDeprecated: this.options.tolerateDeprecated,
        })
        .then((model) => ({
          ...model,
          environment: { ...model.environment, ...(this.options.environment ?? {}) },
        }));
      resolved.catch(() => this.resolved.delete(key));
      this.resolved.set(key, resolved);
    }
    return resolved;
  }

  /** The CreateModel request, resolved and built without sending anything. */
  async createModelRequest(name: string, instanceType?: string): Promise<CreateModelCommandInput> {
    const resolved = await this.resolve(instanceType);
    const tags = workshopTags(this.identity.lab, this.identity.tags);
    return buildJumpStartModelRequest(name, this.identity.roleArn ?? this.session.roleArn(), resolved, [
      ...tags,
      ...jumpStartTags(resolved).filter((tag) => !tags.some((t) => t.Key === tag.Key)),
    ]);
  }

  override async create(): Promise<string> {
    this.current ??= await this.resolve();
    return super.create();
  }

  override async deploy(
    options: DeployOptions & { asyncInferenceConfig: AsyncInferenceOptions },
  ): Promise<AsyncPredictor>;
  override async deploy(options?: DeployOptions): Promise<Predictor>;
  override async deploy(options: DeployOptions = {}): Promise<Predictor | AsyncPredictor> {
    const resolved = await this.resolve(options.instanceType ?? this.options.instanceType);
    if (this.modelName && this.current && this.current.imageUri !== resolved.imageUri) {
      throw new JumpStartError(
        `Model ${this.modelName} was created for ${this.current.instanceType}; ${resolved.instanceType} needs another image. Use a new JumpStartModel.`,
      );
    }
    this.current ??= resolved;
    const serializer = resolved.contentType === "application/x-text" ? textSerializer : undefined;
    return super.deploy({
      ...options,
      instanceType: options.serverlessConfig ? options.instanceType : resolved.instanceType,
      serializer: options.serializer ?? serializer,
    } as DeployOptions);
  }

  protected modelRequest(name: string, roleArn: string, tags: Tag[]): CreateModelCommandInput {
    if (!this.current) throw new JumpStartError("JumpStartModel.create() resolves the model first.");
    const extra = jumpStartTags(this.current).filter((tag) => !tags.some((t) => t.Key === tag.Key));
    return buildJumpStartModelRequest(name, roleArn, this.current, [...tags, ...extra]);
  }

  protected baseName(): string {
    return this.options.modelId;
  }
}

/**
 * A fetch that answers from a folder laid out like the content bucket (`models_manifest.json`, `specs/...`): for
 * tests, and for the lab's offline walk-through with the example files written for the workshop.
 */
export function folderFetch(folder: string): JumpStartFetch {
  return async (url) => {
    const key = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, "");
    const root = resolve(folder);
    const path = resolve(join(root, key));
    if (path !== root && !path.startsWith(root + sep))
      return { ok: false, status: 403, text: async () => "" };
    try {
      const body = await readFile(path, "utf8");
      return { ok: true, status: 200, text: async () => body };
    } catch {
      return { ok: false, status: 404, statusText: "Not Found", text: async () => "" };
    }
  };
}

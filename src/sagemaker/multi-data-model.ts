import { CopyObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import type { CreateModelCommandInput, Tag } from "@aws-sdk/client-sagemaker";
import { containerOf, DeployableModel, type ModelIdentity, type SageMakerModel } from "./model";
import { assertSageMakerName } from "./naming";
import { parseS3Uri } from "./s3";
import type { WorkshopSession } from "./session";

/**
 * A multi-model endpoint's model, as the Python SDK's MultiDataModel: one container (the image and environment of
 * `model`) in Mode MultiModel whose ModelDataUrl is an S3 prefix; every `*.tar.gz` under it is a model the endpoint
 * loads on first use. Predict with `{ targetModel: "name.tar.gz" }`.
 */
export interface MultiDataModelOptions extends ModelIdentity {
  /** The S3 prefix the archives live under (`s3://bucket/path/`). */
  modelDataPrefix: string;
  /** Whose image and environment serve the archives. */
  model: SageMakerModel;
}

export function buildMultiModelRequest(
  name: string,
  roleArn: string,
  model: SageMakerModel,
  prefix: string,
  tags: Tag[],
): CreateModelCommandInput {
  const { ModelDataUrl: _single, ...container } = containerOf(model.options);
  return {
    ModelName: assertSageMakerName(name, "model"),
    ExecutionRoleArn: roleArn,
    PrimaryContainer: { ...container, Mode: "MultiModel", ModelDataUrl: prefixOf(prefix) },
    Tags: tags,
  };
}

/** A prefix ends with "/" so that `a.tar.gz` and `a.tar.gz.bak/...` are told apart, as S3 keys are. */
const prefixOf = (uri: string): string => {
  parseS3Uri(uri);
  return uri.endsWith("/") ? uri : `${uri}/`;
};

export class MultiDataModel extends DeployableModel {
  readonly modelDataPrefix: string;

  constructor(
    session: WorkshopSession,
    readonly options: MultiDataModelOptions,
  ) {
    super(session, options);
    this.modelDataPrefix = prefixOf(options.modelDataPrefix);
  }

  /** Copies a model.tar.gz from S3 under the prefix as `name` (default: its file name); returns the name. */
  async addModel(modelData: string, name = modelData.split("/").pop() ?? "model.tar.gz"): Promise<string> {
    if (!name.endsWith(".tar.gz"))
      throw new Error(`A model's name under the prefix ends with .tar.gz; got "${name}".`);
    const source = parseS3Uri(modelData);
    const target = parseS3Uri(`${this.modelDataPrefix}${name}`);
    await this.session.s3.send(
      new CopyObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        CopySource: `${source.bucket}/${source.key.split("/").map(encodeURIComponent).join("/")}`,
      }),
    );
    return name;
  }

  /** The models under the prefix, by the name TargetModel takes. */
  async listModels(): Promise<string[]> {
    return (await this.listModelObjects()).map((model) => model.name);
  }

  /** The models under the prefix with their archives' sizes (what a first call downloads). */
  async listModelObjects(): Promise<{ name: string; bytes: number }[]> {
    const { bucket, key } = parseS3Uri(this.modelDataPrefix);
    const models: { name: string; bytes: number }[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.session.s3 },
      { Bucket: bucket, Prefix: key },
    )) {
      for (const item of page.Contents ?? []) {
        if (item.Key?.endsWith(".tar.gz"))
          models.push({ name: item.Key.slice(key.length), bytes: item.Size ?? 0 });
      }
    }
    return models;
  }

  protected modelRequest(name: string, roleArn: string, tags: Tag[]): CreateModelCommandInput {
    return buildMultiModelRequest(name, roleArn, this.options.model, this.modelDataPrefix, tags);
  }

  protected baseName(): string {
    return this.options.lab ? `ko-sagemaker-${this.options.lab.replace(/\./g, "-")}-mme` : "ko-sagemaker-mme";
  }
}

import type {
  CreateModelPackageInput,
  DescribeModelPackageGroupOutput,
  DescribeModelPackageOutput,
  ModelApprovalStatus,
  ModelPackageGroupSummary,
  ModelPackageSummary,
} from "@aws-sdk/client-sagemaker";

/** Durable documents of the model registry. Times are epoch milliseconds; outputs turn them into Dates. */

export interface StoredModelPackageGroup {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string;
  ModelPackageGroupDescription?: string;
  CreationTime: number;
  LastModifiedTime: number;
  /** The highest version ever given in the group: versions are never reused, even after a delete. */
  latestVersion: number;
}

/** A model package: what CreateModelPackage was given (less its tags), and what the registry made of it. */
export interface StoredModelPackage {
  request: Omit<CreateModelPackageInput, "Tags" | "ClientToken">;
  ModelPackageName: string;
  ModelPackageArn: string;
  /** Versioned packages only. */
  ModelPackageGroupName?: string;
  ModelPackageVersion?: number;
  ModelApprovalStatus?: ModelApprovalStatus;
  ApprovalDescription?: string;
  CustomerMetadataProperties?: Record<string, string>;
  /** UpdateModelPackage's additions, after the request's own. */
  AdditionalInferenceSpecifications?: CreateModelPackageInput["AdditionalInferenceSpecifications"];
  InferenceSpecification?: CreateModelPackageInput["InferenceSpecification"];
  SourceUri?: string;
  ModelCard?: CreateModelPackageInput["ModelCard"];
  ModelLifeCycle?: CreateModelPackageInput["ModelLifeCycle"];
  CreationTime: number;
  LastModifiedTime: number;
  /** CreateModelPackage's ClientToken, for idempotent retries. */
  clientToken?: string;
}

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;

export function describeModelPackageGroup(group: StoredModelPackageGroup): DescribeModelPackageGroupOutput {
  return withoutUndefined({
    ModelPackageGroupName: group.ModelPackageGroupName,
    ModelPackageGroupArn: group.ModelPackageGroupArn,
    ModelPackageGroupDescription: group.ModelPackageGroupDescription,
    CreationTime: new Date(group.CreationTime),
    // A required member; local SageMaker has no users to name.
    CreatedBy: {},
    ModelPackageGroupStatus: "Completed",
  });
}

export function summarizeModelPackageGroup(group: StoredModelPackageGroup): ModelPackageGroupSummary {
  return withoutUndefined({
    ModelPackageGroupName: group.ModelPackageGroupName,
    ModelPackageGroupArn: group.ModelPackageGroupArn,
    ModelPackageGroupDescription: group.ModelPackageGroupDescription,
    CreationTime: new Date(group.CreationTime),
    ModelPackageGroupStatus: "Completed",
  });
}

/**
 * DescribeModelPackage. Local SageMaker validates nothing after creation (no ValidationSpecification jobs, no image
 * scans), so a package is Completed at once with no validation statuses to report.
 */
export function describeModelPackage(pkg: StoredModelPackage): DescribeModelPackageOutput {
  const { request } = pkg;
  return withoutUndefined({
    ModelPackageName: pkg.ModelPackageName,
    ModelPackageGroupName: pkg.ModelPackageGroupName,
    ModelPackageVersion: pkg.ModelPackageVersion,
    ModelPackageArn: pkg.ModelPackageArn,
    ModelPackageDescription: request.ModelPackageDescription,
    CreationTime: new Date(pkg.CreationTime),
    InferenceSpecification: pkg.InferenceSpecification,
    SourceAlgorithmSpecification: request.SourceAlgorithmSpecification,
    ValidationSpecification: request.ValidationSpecification,
    ModelPackageStatus: "Completed",
    ModelPackageStatusDetails: { ValidationStatuses: [] },
    CertifyForMarketplace: request.CertifyForMarketplace,
    ModelApprovalStatus: pkg.ModelApprovalStatus,
    MetadataProperties: request.MetadataProperties,
    ModelMetrics: request.ModelMetrics,
    LastModifiedTime: new Date(pkg.LastModifiedTime),
    ApprovalDescription: pkg.ApprovalDescription,
    Domain: request.Domain,
    Task: request.Task,
    SamplePayloadUrl: request.SamplePayloadUrl,
    CustomerMetadataProperties: pkg.CustomerMetadataProperties,
    DriftCheckBaselines: request.DriftCheckBaselines,
    AdditionalInferenceSpecifications: pkg.AdditionalInferenceSpecifications,
    SkipModelValidation: request.SkipModelValidation,
    SourceUri: pkg.SourceUri,
    SecurityConfig: request.SecurityConfig,
    ModelCard: pkg.ModelCard,
    ModelLifeCycle: pkg.ModelLifeCycle,
  }) as DescribeModelPackageOutput;
}

export function summarizeModelPackage(pkg: StoredModelPackage): ModelPackageSummary {
  return withoutUndefined({
    ModelPackageName: pkg.ModelPackageName,
    ModelPackageGroupName: pkg.ModelPackageGroupName,
    ModelPackageVersion: pkg.ModelPackageVersion,
    ModelPackageArn: pkg.ModelPackageArn,
    ModelPackageDescription: pkg.request.ModelPackageDescription,
    CreationTime: new Date(pkg.CreationTime),
    ModelPackageStatus: "Completed",
    ModelApprovalStatus: pkg.ModelApprovalStatus,
    ModelLifeCycle: pkg.ModelLifeCycle,
  }) as ModelPackageSummary;
}

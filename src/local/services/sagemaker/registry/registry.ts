import type {
  ContainerDefinition,
  CreateModelPackageGroupInput,
  CreateModelPackageGroupOutput,
  CreateModelPackageInput,
  CreateModelPackageOutput,
  DeleteModelPackageGroupInput,
  DeleteModelPackageInput,
  DescribeModelPackageGroupInput,
  DescribeModelPackageGroupOutput,
  DescribeModelPackageInput,
  DescribeModelPackageOutput,
  ListModelPackageGroupsInput,
  ListModelPackageGroupsOutput,
  ListModelPackagesInput,
  ListModelPackagesOutput,
  UpdateModelPackageInput,
  UpdateModelPackageOutput,
} from "@aws-sdk/client-sagemaker";
import { sagemakerArn, storeKey } from "../../../core/arns";
import { AwsError, notFound, validation } from "../../../core/errors";
import { listPage } from "../../../core/listing";
import { JsonStore } from "../../../core/store";
import type { ServiceContext } from "../../context";
import type { TagRegistry } from "../tags";
import {
  describeModelPackage,
  describeModelPackageGroup,
  type StoredModelPackage,
  type StoredModelPackageGroup,
  summarizeModelPackage,
  summarizeModelPackageGroup,
} from "./records";

/** `...:model-package/<name>` or `...:model-package/<group>/<version>`, and the same without the ARN prefix. */
const PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:model-package\/(.+)$/;
const GROUP_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:model-package-group\/(.+)$/;
const VERSIONED = /^([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/(\d{1,9})$/;

/** A package reference, parsed: a group version, or an unversioned package's name. */
type PackageRef = { group: string; version: number } | { name: string };

function parsePackageRef(reference: string): PackageRef {
  const path = PACKAGE_ARN.exec(reference)?.[1] ?? reference;
  const versioned = VERSIONED.exec(path);
  return versioned ? { group: versioned[1] as string, version: Number(versioned[2]) } : { name: path };
}

const groupNameOf = (reference: string): string => GROUP_ARN.exec(reference)?.[1] ?? reference;

const packageKey = (ref: PackageRef): string =>
  "group" in ref ? `${storeKey(ref.group)}/${ref.version}` : storeKey(ref.name);

/**
 * The model registry: model package groups, and model packages in them (versioned, numbered 1, 2, ... in their
 * group) or on their own (unversioned, named), with their approval status. One JSON document per group and per
 * package. Hosting asks it for a package's containers when CreateModel names a ModelPackageName, and pipelines'
 * RegisterModel steps call `createModelPackage` in-process.
 */
export class ModelRegistry {
  private readonly groups: JsonStore<StoredModelPackageGroup>;
  private readonly packages: JsonStore<StoredModelPackage>;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tags: TagRegistry,
  ) {
    this.groups = new JsonStore(
      ctx.stateDir,
      "sagemaker-model-package-groups",
      (name) => `model package group ${name}`,
    );
    this.packages = new JsonStore(
      ctx.stateDir,
      "sagemaker-model-packages",
      (name) => `model package ${name}`,
    );
  }

  private groupArn(name: string): string {
    return sagemakerArn(this.ctx, "model-package-group", name);
  }

  private packageArn(ref: PackageRef): string {
    return sagemakerArn(this.ctx, "model-package", "group" in ref ? `${ref.group}/${ref.version}` : ref.name);
  }

  /** The group, or SageMaker's "Could not find" ValidationException. */
  private requireGroup(reference: string): StoredModelPackageGroup {
    const name = groupNameOf(reference);
    const group = this.groups.get(storeKey(name));
    if (!group) throw notFound("model package group", this.groupArn(name));
    return group;
  }

  /** The package a name or ARN names, or a ValidationException that says what was looked for. */
  requirePackage(reference: string): StoredModelPackage {
    const ref = parsePackageRef(reference);
    const pkg = this.packages.get(packageKey(ref));
    if (pkg) return pkg;
    if ("name" in ref && this.groups.get(storeKey(ref.name))) {
      throw validation(
        `"${reference}" is a model package group, not a model package: name one of its versions by ARN (${this.packageArn({ group: ref.name, version: 1 })}, ...) or as "${ref.name}/<version>".`,
      );
    }
    throw notFound("model package", this.packageArn(ref));
  }

  // ---- groups ------------------------------------------------------------------------------------------

  createModelPackageGroup(input: CreateModelPackageGroupInput): CreateModelPackageGroupOutput {
    const name = input.ModelPackageGroupName as string;
    const arn = this.groupArn(name);
    if (this.groups.get(storeKey(name))) {
      throw validation(`Model Package Group already exists: ${arn}`);
    }
    this.tags.register(arn, input.Tags as { Key: string; Value: string }[] | undefined);
    const now = Date.now();
    this.groups.put(storeKey(name), {
      ModelPackageGroupName: name,
      ModelPackageGroupArn: arn,
      ...(input.ModelPackageGroupDescription === undefined
        ? {}
        : { ModelPackageGroupDescription: input.ModelPackageGroupDescription }),
      CreationTime: now,
      LastModifiedTime: now,
      latestVersion: 0,
    });
    return { ModelPackageGroupArn: arn };
  }

  describeModelPackageGroup(input: DescribeModelPackageGroupInput): DescribeModelPackageGroupOutput {
    return describeModelPackageGroup(this.requireGroup(input.ModelPackageGroupName as string));
  }

  listModelPackageGroups(input: ListModelPackageGroupsInput): ListModelPackageGroupsOutput {
    const { page, NextToken } = listPage(this.groups.list(), input, (group) => ({
      name: group.ModelPackageGroupName,
      creationTime: group.CreationTime,
    }));
    return {
      ModelPackageGroupSummaryList: page.map(summarizeModelPackageGroup),
      ...(NextToken === undefined ? {} : { NextToken }),
    };
  }

  /** As on AWS, a group that still holds versions cannot be deleted: delete them first. */
  deleteModelPackageGroup(input: DeleteModelPackageGroupInput): Record<string, never> {
    const group = this.requireGroup(input.ModelPackageGroupName as string);
    const versions = this.versionsOf(group.ModelPackageGroupName);
    if (versions.length > 0) {
      throw new AwsError(
        "ConflictException",
        `Model package group "${group.ModelPackageGroupName}" still holds ${versions.length} model package version${versions.length === 1 ? "" : "s"} (${versions.map((pkg) => pkg.ModelPackageVersion).join(", ")}); delete them with DeleteModelPackage before the group.`,
      );
    }
    this.groups.delete(storeKey(group.ModelPackageGroupName));
    this.tags.unregister(group.ModelPackageGroupArn);
    return {};
  }

  private versionsOf(groupName: string): StoredModelPackage[] {
    const key = storeKey(groupName);
    return this.packages
      .list()
      .filter(
        (pkg) => pkg.ModelPackageGroupName !== undefined && storeKey(pkg.ModelPackageGroupName) === key,
      );
  }

  // ---- packages ----------------------------------------------------------------------------------------

  createModelPackage(input: CreateModelPackageInput): CreateModelPackageOutput {
    if (input.ClientToken) {
      const earlier = this.packages.list().find((pkg) => pkg.clientToken === input.ClientToken);
      if (earlier) return { ModelPackageArn: earlier.ModelPackageArn };
    }
    const groupReference = input.ModelPackageGroupName;
    if (groupReference !== undefined && input.ModelPackageName !== undefined) {
      throw validation(
        "Give either ModelPackageGroupName (a versioned model package in a model registry group) or ModelPackageName (an unversioned model package), not both.",
      );
    }
    if (groupReference === undefined && input.ModelPackageName === undefined) {
      throw validation(
        "A model package needs ModelPackageGroupName (a new version in that group) or ModelPackageName (an unversioned model package).",
      );
    }
    if (
      !input.InferenceSpecification &&
      !input.SourceAlgorithmSpecification &&
      groupReference === undefined
    ) {
      throw validation(
        "An unversioned model package needs an InferenceSpecification (containers and artifacts) or a SourceAlgorithmSpecification.",
      );
    }
    const { Tags: tags, ClientToken: clientToken, ...request } = input;
    const now = Date.now();
    let stored: StoredModelPackage;
    if (groupReference !== undefined) {
      const group = this.requireGroup(groupReference);
      const version = group.latestVersion + 1;
      const ref = { group: group.ModelPackageGroupName, version };
      stored = {
        request,
        ModelPackageName: group.ModelPackageGroupName,
        ModelPackageArn: this.packageArn(ref),
        ModelPackageGroupName: group.ModelPackageGroupName,
        ModelPackageVersion: version,
        ModelApprovalStatus: input.ModelApprovalStatus ?? "PendingManualApproval",
        CreationTime: now,
        LastModifiedTime: now,
      };
      this.groups.put(storeKey(group.ModelPackageGroupName), {
        ...group,
        latestVersion: version,
        LastModifiedTime: now,
      });
    } else {
      const name = input.ModelPackageName as string;
      if (input.ModelApprovalStatus !== undefined) {
        throw validation(
          `ModelApprovalStatus applies to versioned model packages only; "${name}" is unversioned (give ModelPackageGroupName to register a version).`,
        );
      }
      const ref = { name };
      if (this.packages.get(packageKey(ref))) {
        throw validation(`Model Package already exists: ${this.packageArn(ref)}`);
      }
      stored = {
        request,
        ModelPackageName: name,
        ModelPackageArn: this.packageArn(ref),
        CreationTime: now,
        LastModifiedTime: now,
      };
    }
    Object.assign(stored, {
      ...(input.InferenceSpecification ? { InferenceSpecification: input.InferenceSpecification } : {}),
      ...(input.CustomerMetadataProperties
        ? { CustomerMetadataProperties: input.CustomerMetadataProperties }
        : {}),
      ...(input.AdditionalInferenceSpecifications
        ? { AdditionalInferenceSpecifications: input.AdditionalInferenceSpecifications }
        : {}),
      ...(input.SourceUri ? { SourceUri: input.SourceUri } : {}),
      ...(input.ModelCard ? { ModelCard: input.ModelCard } : {}),
      ...(input.ModelLifeCycle ? { ModelLifeCycle: input.ModelLifeCycle } : {}),
      ...(clientToken ? { clientToken } : {}),
    });
    this.tags.register(stored.ModelPackageArn, tags as { Key: string; Value: string }[] | undefined);
    this.packages.put(packageKey(parsePackageRef(stored.ModelPackageArn)), stored);
    return { ModelPackageArn: stored.ModelPackageArn };
  }

  describeModelPackage(input: DescribeModelPackageInput): DescribeModelPackageOutput {
    return describeModelPackage(this.requirePackage(input.ModelPackageName as string));
  }

  /**
   * ListModelPackages. As the API reference says, a request with neither a group nor a ModelPackageType lists
   * unversioned packages only; naming a group lists its versions.
   */
  listModelPackages(input: ListModelPackagesInput): ListModelPackagesOutput {
    const groupName = input.ModelPackageGroupName && groupNameOf(input.ModelPackageGroupName);
    const type = input.ModelPackageType ?? (groupName ? "Versioned" : "Unversioned");
    const candidates = this.packages.list().filter((pkg) => {
      const versioned = pkg.ModelPackageVersion !== undefined;
      if (type === "Versioned" && !versioned) return false;
      if (type === "Unversioned" && versioned) return false;
      if (groupName && storeKey(pkg.ModelPackageGroupName ?? "") !== storeKey(groupName)) return false;
      return input.ModelApprovalStatus === undefined || pkg.ModelApprovalStatus === input.ModelApprovalStatus;
    });
    const { page, NextToken } = listPage(candidates, input, (pkg) => ({
      name: pkg.ModelPackageName,
      // Versions of one group share their name: creation order (and the version) breaks the tie.
      creationTime: pkg.CreationTime + (pkg.ModelPackageVersion ?? 0) / 1e6,
    }));
    return {
      ModelPackageSummaryList: page.map(summarizeModelPackage),
      ...(NextToken === undefined ? {} : { NextToken }),
    };
  }

  updateModelPackage(input: UpdateModelPackageInput): UpdateModelPackageOutput {
    const pkg = this.requirePackage(input.ModelPackageArn as string);
    if (pkg.ModelPackageVersion === undefined) {
      throw validation(
        `UpdateModelPackage updates versioned model packages only; "${pkg.ModelPackageName}" is unversioned.`,
      );
    }
    if (input.ModelApprovalStatus !== undefined) pkg.ModelApprovalStatus = input.ModelApprovalStatus;
    if (input.ApprovalDescription !== undefined) pkg.ApprovalDescription = input.ApprovalDescription;
    if (input.CustomerMetadataProperties || input.CustomerMetadataPropertiesToRemove) {
      const properties = {
        ...(pkg.CustomerMetadataProperties ?? {}),
        ...(input.CustomerMetadataProperties ?? {}),
      };
      for (const key of input.CustomerMetadataPropertiesToRemove ?? []) delete properties[key];
      pkg.CustomerMetadataProperties = properties;
    }
    if (input.AdditionalInferenceSpecificationsToAdd) {
      pkg.AdditionalInferenceSpecifications = [
        ...(pkg.AdditionalInferenceSpecifications ?? []),
        ...input.AdditionalInferenceSpecificationsToAdd,
      ];
    }
    if (input.InferenceSpecification) pkg.InferenceSpecification = input.InferenceSpecification;
    if (input.SourceUri !== undefined) pkg.SourceUri = input.SourceUri;
    if (input.ModelCard) pkg.ModelCard = input.ModelCard;
    if (input.ModelLifeCycle) pkg.ModelLifeCycle = input.ModelLifeCycle;
    pkg.LastModifiedTime = Date.now();
    this.packages.put(packageKey(parsePackageRef(pkg.ModelPackageArn)), pkg);
    return { ModelPackageArn: pkg.ModelPackageArn };
  }

  deleteModelPackage(input: DeleteModelPackageInput): Record<string, never> {
    const pkg = this.requirePackage(input.ModelPackageName as string);
    this.packages.delete(packageKey(parsePackageRef(pkg.ModelPackageArn)));
    this.tags.unregister(pkg.ModelPackageArn);
    return {};
  }

  // ---- for hosting -------------------------------------------------------------------------------------

  /**
   * The containers a model gets from a package, for CreateModel's `ModelPackageName`. A versioned package must be
   * Approved first: the API reference says ModelApprovalStatus "must be set to Approved to deploy the model".
   */
  deployableContainers(reference: string): { arn: string; containers: ContainerDefinition[] } {
    const pkg = this.requirePackage(reference);
    if (pkg.ModelPackageVersion !== undefined && pkg.ModelApprovalStatus !== "Approved") {
      throw validation(
        `Model package ${pkg.ModelPackageArn} has ModelApprovalStatus ${pkg.ModelApprovalStatus}: a versioned model package must be Approved before a model is created from it (UpdateModelPackage with ModelApprovalStatus "Approved").`,
      );
    }
    const containers = pkg.InferenceSpecification?.Containers ?? [];
    if (containers.length === 0) {
      throw validation(
        `Model package ${pkg.ModelPackageArn} has no InferenceSpecification containers to create a model from.`,
      );
    }
    return {
      arn: pkg.ModelPackageArn,
      containers: containers.map((container) => ({
        ...(container.ContainerHostname ? { ContainerHostname: container.ContainerHostname } : {}),
        Image: container.Image,
        ...(container.ModelDataUrl ? { ModelDataUrl: container.ModelDataUrl } : {}),
        ...(container.Environment ? { Environment: container.Environment } : {}),
      })),
    };
  }
}

import type { ModelPackageSummary } from "@aws-sdk/client-sagemaker";
import type { ModelPackageGroupView, ModelPackageRow, ModelRegistryView } from "../views";
import { listAll, ms, orElse, s3Location } from "./common";
import { modelNames } from "./hosting";
import { registeringSteps } from "./pipelines";
import type { ConsoleSources } from "./sources";

/** The model registry through SageMakerService.registry: groups, their versions, and where each came from. */

function versionsOf(sources: ConsoleSources, group: string): ModelPackageSummary[] {
  return listAll(
    (input) => sources.sagemaker.registry.listModelPackages({ ...input, ModelPackageGroupName: group }),
    (page) => page.ModelPackageSummaryList,
  );
}

export function packageGroupNames(sources: ConsoleSources): string[] {
  return listAll(
    (input) => sources.sagemaker.registry.listModelPackageGroups(input),
    (page) => page.ModelPackageGroupSummaryList,
  ).map((group) => group.ModelPackageGroupName as string);
}

export function modelRegistry(sources: ConsoleSources): ModelRegistryView {
  return {
    groups: listAll(
      (input) => sources.sagemaker.registry.listModelPackageGroups(input),
      (page) => page.ModelPackageGroupSummaryList,
    ).map((group) => {
      const name = group.ModelPackageGroupName as string;
      // Newest first, so the first is the latest version.
      const versions = orElse(() => versionsOf(sources, name), []);
      const latest = versions[0];
      return {
        name,
        description: group.ModelPackageGroupDescription,
        created: ms(group.CreationTime) ?? 0,
        status: group.ModelPackageGroupStatus ?? "Completed",
        versions: versions.length,
        ...(latest ? { latest: latest.ModelPackageVersion, latestApproval: latest.ModelApprovalStatus } : {}),
        pending: versions.filter((version) => version.ModelApprovalStatus === "PendingManualApproval").length,
      };
    }),
  };
}

export function modelPackageGroup(sources: ConsoleSources, name: string): ModelPackageGroupView {
  const { registry, hosting } = sources.sagemaker;
  const group = registry.describeModelPackageGroup({ ModelPackageGroupName: name });
  const registeredBy = registeringSteps(sources);
  // Models made from a package name it in their container (CreateModel's ModelPackageName).
  const modelsOf = new Map<string, string[]>();
  for (const modelName of modelNames(sources)) {
    const described = orElse(() => hosting.models.describeModel({ ModelName: modelName }), undefined);
    const containers = [
      ...(described?.PrimaryContainer ? [described.PrimaryContainer] : []),
      ...(described?.Containers ?? []),
    ];
    for (const container of containers) {
      const arn = container.ModelPackageName?.toLowerCase();
      if (arn) modelsOf.set(arn, [...(modelsOf.get(arn) ?? []), modelName]);
    }
  }
  const packages: ModelPackageRow[] = versionsOf(sources, name).flatMap((summary) => {
    const arn = summary.ModelPackageArn as string;
    const pkg = orElse(() => registry.describeModelPackage({ ModelPackageName: arn }), undefined);
    if (!pkg) return [];
    const containers = pkg.InferenceSpecification?.Containers ?? [];
    const by = registeredBy.get(arn.toLowerCase());
    return [
      {
        arn,
        version: pkg.ModelPackageVersion ?? 0,
        status: pkg.ModelPackageStatus ?? "Completed",
        approval: pkg.ModelApprovalStatus ?? "PendingManualApproval",
        approvalDescription: pkg.ApprovalDescription,
        description: pkg.ModelPackageDescription,
        created: ms(pkg.CreationTime) ?? 0,
        modified: ms(pkg.LastModifiedTime),
        images: containers.map((container) => container.Image ?? ""),
        modelData: containers.flatMap((container) =>
          container.ModelDataUrl ? [s3Location(sources.context, container.ModelDataUrl)] : [],
        ),
        metadata: pkg.CustomerMetadataProperties ?? {},
        ...(by ? { registeredBy: by } : {}),
        models: modelsOf.get(arn.toLowerCase()) ?? [],
      },
    ];
  });
  return {
    name,
    arn: group.ModelPackageGroupArn as string,
    description: group.ModelPackageGroupDescription,
    created: ms(group.CreationTime) ?? 0,
    status: group.ModelPackageGroupStatus ?? "Completed",
    packages,
  };
}

import {
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type ModelPackageSummary,
  paginateListModelPackages,
  UpdateModelPackageCommand,
} from "@aws-sdk/client-sagemaker";
import type { WorkshopSession } from "./session";

/**
 * The model registry, in the few calls the labs make: the versions of a group (newest first), approving one (the
 * Python SDK's `model_package.update_approval_status`), and deleting a group with its versions (SageMaker deletes a
 * group only once it is empty).
 */

export async function listModelPackageVersions(
  session: WorkshopSession,
  groupName: string,
): Promise<ModelPackageSummary[]> {
  const versions: ModelPackageSummary[] = [];
  try {
    for await (const page of paginateListModelPackages(
      { client: session.sagemaker },
      { ModelPackageGroupName: groupName, SortBy: "CreationTime", SortOrder: "Descending" },
    )) {
      versions.push(...(page.ModelPackageSummaryList ?? []));
    }
  } catch (error) {
    if (/could not find|does not exist/i.test((error as Error).message)) return [];
    throw error;
  }
  return versions;
}

export async function approveModelPackage(
  session: WorkshopSession,
  modelPackageArn: string,
  description: string,
  status: "Approved" | "Rejected" = "Approved",
): Promise<DescribeModelPackageCommandOutput> {
  await session.sagemaker.send(
    new UpdateModelPackageCommand({
      ModelPackageArn: modelPackageArn,
      ModelApprovalStatus: status,
      ApprovalDescription: description,
    }),
  );
  return session.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
}

/** Deletes every version of the group, then the group; a group that does not exist is not an error. */
export async function deleteModelPackageGroup(
  session: WorkshopSession,
  groupName: string,
): Promise<{ versions: number; group: boolean }> {
  const versions = await listModelPackageVersions(session, groupName);
  for (const version of versions) {
    await session.sagemaker.send(
      new DeleteModelPackageCommand({ ModelPackageName: version.ModelPackageArn as string }),
    );
  }
  try {
    await session.sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: groupName }));
    return { versions: versions.length, group: true };
  } catch (error) {
    if (/could not find|does not exist/i.test((error as Error).message))
      return { versions: versions.length, group: false };
    throw error;
  }
}

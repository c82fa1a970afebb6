import type { Tag } from "@aws-sdk/client-sagemaker";

/** Tag every resource a lab creates carries, so the cleanup sweep finds exactly the workshop's resources. */
export const WORKSHOP_TAG_KEY = "ko-sagemaker:workshop";
export const WORKSHOP_TAG_VALUE = "true";
export const LAB_TAG_KEY = "ko-sagemaker:lab";

export function workshopTags(lab?: string, extra: Tag[] = []): Tag[] {
  const tags: Tag[] = [{ Key: WORKSHOP_TAG_KEY, Value: WORKSHOP_TAG_VALUE }];
  if (lab) tags.push({ Key: LAB_TAG_KEY, Value: lab });
  return [...tags, ...extra.filter((tag) => tag.Key !== WORKSHOP_TAG_KEY && tag.Key !== LAB_TAG_KEY)];
}

/**
 * What the names of a lab's generated resources start with (`ko-sagemaker-5-2`; `ko-sagemaker` for no lab). CloudWatch
 * alarms carry tags but local CloudWatch does not list them, so the cleanup sweep finds a lab's alarms by this prefix.
 */
export function labResourcePrefix(lab?: string): string {
  return lab ? `ko-sagemaker-${lab.replace(/[^a-zA-Z0-9]+/g, "-")}` : "ko-sagemaker";
}

/** SageMaker names: 1-63 characters, letters, digits and inner hyphens. */
const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function assertSageMakerName(name: string, what: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new Error(
      `The ${what} name "${name}" is not valid: use 1-63 letters, digits and hyphens, starting and ending with a letter or digit.`,
    );
  }
  return name;
}

/** `base-YYYY-MM-DD-HH-MM-SS-mmm` like the Python SDK, with the base cut so the whole name fits 63 characters. */
export function uniqueName(base: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:T.]/g, "-")
    .replace(/Z$/, "");
  const cleaned = base.replace(/[^a-zA-Z0-9-]/g, "-").replace(/^-+|-+$/g, "") || "job";
  return `${cleaned.slice(0, 63 - stamp.length - 1).replace(/-+$/, "")}-${stamp}`;
}

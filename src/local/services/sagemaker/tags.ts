import type { AddTagsInput, DeleteTagsInput, ListTagsInput, Tag } from "@aws-sdk/client-sagemaker";
import { type AwsError, validation } from "../../core/errors";
import { pageOf } from "../../core/listing";
import { JsonStore } from "../../core/store";

/** Every Create operation registers its resource here (with the request's Tags); every Delete unregisters it. */
export interface TagRegistry {
  register(arn: string, tags: { Key: string; Value: string }[] | undefined): void;
  unregister(arn: string): void;
}

type TagDocument = { arn: string; tags: { Key: string; Value: string }[] };

/** SageMaker's limit of tags per resource. */
export const MAX_TAGS_PER_RESOURCE = 50;
const DEFAULT_PAGE = 50;

/** Later keys win, as AddTags overwrites an existing key's value. */
function merge(existing: readonly Tag[], added: readonly Tag[]): { Key: string; Value: string }[] {
  const byKey = new Map<string, string>();
  for (const tag of [...existing, ...added]) byKey.set(tag.Key ?? "", tag.Value ?? "");
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

function tooMany(arn: string, count: number): AwsError {
  return validation(
    `Resource "${arn}" would have ${count} tags; a SageMaker resource can carry at most ${MAX_TAGS_PER_RESOURCE}. Delete some with DeleteTags first.`,
  );
}

/** Durable tags of SageMaker resources (one document per resource ARN) and the AddTags/ListTags/DeleteTags operations. */
export class SageMakerTags implements TagRegistry {
  private readonly store: JsonStore<TagDocument>;

  constructor(stateDir: string) {
    this.store = new JsonStore<TagDocument>(stateDir, "sagemaker-tags", (arn) => `the tags of ${arn}`, [
      "arn",
      "tags",
    ]);
    // A tag document exists only while its resource does: when one is damaged the tags are lost (and reported),
    // the resource is not, so it stays registered, with no tags.
    for (const arn of this.store.damaged) this.store.put(arn, { arn, tags: [] });
  }

  register(arn: string, tags: { Key: string; Value: string }[] | undefined): void {
    const merged = merge([], tags ?? []);
    if (merged.length > MAX_TAGS_PER_RESOURCE) throw tooMany(arn, merged.length);
    this.store.put(arn, { arn, tags: merged });
  }

  unregister(arn: string): void {
    this.store.delete(arn);
  }

  /** A resource's tags, none for one that is not registered (Search shows them with each result). */
  tagsOf(arn: string): Tag[] {
    return this.store.get(arn)?.tags ?? [];
  }

  private document(arn: string | undefined): TagDocument {
    const doc = arn === undefined ? undefined : this.store.get(arn);
    if (!doc) {
      throw validation(
        `Could not find resource "${arn}": tags can only be set on a SageMaker resource that exists (check the ARN).`,
      );
    }
    return doc;
  }

  addTags(input: AddTagsInput): { Tags: Tag[] } {
    const doc = this.document(input.ResourceArn);
    const tags = merge(doc.tags, input.Tags ?? []);
    if (tags.length > MAX_TAGS_PER_RESOURCE) throw tooMany(doc.arn, tags.length);
    this.store.put(doc.arn, { arn: doc.arn, tags });
    return { Tags: input.Tags ?? [] };
  }

  listTags(input: ListTagsInput): { Tags: Tag[]; NextToken?: string } {
    const { page, NextToken } = pageOf(
      this.document(input.ResourceArn).tags,
      input.NextToken,
      input.MaxResults ?? DEFAULT_PAGE,
    );
    return NextToken === undefined ? { Tags: page } : { Tags: page, NextToken };
  }

  deleteTags(input: DeleteTagsInput): Record<string, never> {
    const doc = this.document(input.ResourceArn);
    const remove = new Set(input.TagKeys ?? []);
    this.store.put(doc.arn, { arn: doc.arn, tags: doc.tags.filter((tag) => !remove.has(tag.Key)) });
    return {};
  }
}

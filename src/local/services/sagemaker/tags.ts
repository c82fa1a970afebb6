import type { AddTagsInput, DeleteTagsInput, ListTagsInput, Tag } from "@aws-sdk/client-sagemaker";
import { type AwsError, validation } from "../../errors";
import { JsonStore } from "../../store";

/** Every Create operation registers its resource here (with the request's Tags); every Delete unregisters it. */
export interface TagRegistry {
  register(arn: string, tags: { Key: string; Value: string }[] | undefined): void;
  unregister(arn: string): void;
}

type TagDocument = { arn: string; tags: { Key: string; Value: string }[] };
type Handler = (input: Record<string, unknown>) => unknown;

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
    this.store = new JsonStore<TagDocument>(stateDir, "sagemaker-tags");
  }

  register(arn: string, tags: { Key: string; Value: string }[] | undefined): void {
    const merged = merge([], tags ?? []);
    if (merged.length > MAX_TAGS_PER_RESOURCE) throw tooMany(arn, merged.length);
    this.store.put(arn, { arn, tags: merged });
  }

  unregister(arn: string): void {
    this.store.delete(arn);
  }

  /** The tags of a registered resource; undefined when no such resource exists. */
  tagsOf(arn: string): { Key: string; Value: string }[] | undefined {
    return this.store.get(arn)?.tags;
  }

  /** ARNs of the registered resources carrying `key` (with `value`, when given): how cleanup finds what a lab made. */
  findByTag(key: string, value?: string): string[] {
    return this.store
      .list()
      .filter((doc) =>
        doc.tags.some((tag) => tag.Key === key && (value === undefined || tag.Value === value)),
      )
      .map((doc) => doc.arn);
  }

  readonly operations: Record<string, Handler> = {
    AddTags: (input) => this.addTags(input as unknown as AddTagsInput),
    ListTags: (input) => this.listTags(input as unknown as ListTagsInput),
    DeleteTags: (input) => this.deleteTags(input as unknown as DeleteTagsInput),
  };

  private document(arn: string | undefined): TagDocument {
    const doc = arn === undefined ? undefined : this.store.get(arn);
    if (!doc) {
      throw validation(
        `Could not find resource "${arn}": tags can only be set on a SageMaker resource that exists (check the ARN).`,
      );
    }
    return doc;
  }

  private addTags(input: AddTagsInput): { Tags: Tag[] } {
    const doc = this.document(input.ResourceArn);
    const tags = merge(doc.tags, input.Tags ?? []);
    if (tags.length > MAX_TAGS_PER_RESOURCE) throw tooMany(doc.arn, tags.length);
    this.store.put(doc.arn, { arn: doc.arn, tags });
    return { Tags: input.Tags ?? [] };
  }

  private listTags(input: ListTagsInput): { Tags: Tag[]; NextToken?: string } {
    const doc = this.document(input.ResourceArn);
    const start = input.NextToken === undefined ? 0 : Number.parseInt(input.NextToken, 10);
    if (
      !Number.isInteger(start) ||
      start < 0 ||
      start > doc.tags.length ||
      String(start) !== (input.NextToken ?? "0")
    )
      throw validation(
        `Invalid NextToken "${input.NextToken}": pass the NextToken of the previous ListTags answer.`,
      );
    const size = input.MaxResults ?? DEFAULT_PAGE;
    const page = doc.tags.slice(start, start + size);
    const next = start + size < doc.tags.length ? String(start + size) : undefined;
    return next === undefined ? { Tags: page } : { Tags: page, NextToken: next };
  }

  private deleteTags(input: DeleteTagsInput): Record<string, never> {
    const doc = this.document(input.ResourceArn);
    const remove = new Set(input.TagKeys ?? []);
    this.store.put(doc.arn, { arn: doc.arn, tags: doc.tags.filter((tag) => !remove.has(tag.Key)) });
    return {};
  }
}

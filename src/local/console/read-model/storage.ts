import type { LogsView, S3ObjectView, S3View } from "../views";
import { orElse } from "./common";
import type { ConsoleSources } from "./sources";

/** S3 (buckets, prefixes, a preview of an object) and CloudWatch Logs (groups, streams, events, search). */

const PREVIEW_BYTES = 64 * 1024;
const TEXT_TYPES =
  /^(text\/|application\/(json|x-ndjson|jsonlines|x-jsonlines|xml|csv|x-yaml|yaml|javascript))/;
const TEXT_KEYS = /\.(json|jsonl|jsonlines|txt|tsv|csv|log|md|yaml|yml|py|ts|js|out|xml|ini|cfg)$/i;

export function s3(sources: ConsoleSources, bucket: string | undefined, prefix: string): S3View {
  const { s3: store } = sources.context;
  if (!bucket) {
    return {
      buckets: store.listBuckets().map((info) => ({ name: info.name, created: info.creationDate.getTime() })),
    };
  }
  const page = store.listObjects(bucket, { prefix, delimiter: "/", maxKeys: 1000 });
  return {
    bucket,
    prefix,
    prefixes: page.commonPrefixes,
    objects: page.objects.map((object) => ({
      key: object.key,
      size: object.size,
      modified: object.lastModified.getTime(),
      contentType: object.contentType,
    })),
    truncated: page.isTruncated,
  };
}

export async function s3Object(sources: ConsoleSources, bucket: string, key: string): Promise<S3ObjectView> {
  const { s3: store } = sources.context;
  const head = store.headObject(bucket, key);
  const view: S3ObjectView = {
    bucket,
    key,
    size: head.size,
    contentType: head.contentType,
    modified: head.lastModified.getTime(),
    etag: head.etag,
    metadata: head.metadata,
  };
  const textual = TEXT_TYPES.test(head.contentType) || TEXT_KEYS.test(key);
  if (!textual || head.headers["Content-Encoding"]?.includes("gzip")) return view;
  const end = Math.min(head.size, PREVIEW_BYTES) - 1;
  if (end < 0) return { ...view, preview: { kind: "text", text: "", truncated: false } };
  const { stream } = await store.openObject(bucket, key, { start: 0, end });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  // A cut in the middle of a UTF-8 sequence is dropped rather than shown as a replacement character.
  let text = bytes.toString("utf8");
  if (head.size > PREVIEW_BYTES) text = text.replace(/\uFFFD$/, "");
  if (text.includes("\u0000")) return view;
  const truncated = head.size > PREVIEW_BYTES;
  if (!truncated && (/json/.test(head.contentType) || /\.json$/i.test(key))) {
    try {
      return {
        ...view,
        preview: { kind: "json", text: JSON.stringify(JSON.parse(text), null, 2), truncated },
      };
    } catch {
      // not JSON after all: shown as text
    }
  }
  return { ...view, preview: { kind: "text", text, truncated } };
}

export function logs(
  sources: ConsoleSources,
  group: string | undefined,
  stream: string | undefined,
  filter: string | undefined,
): LogsView {
  const { logs: api } = sources.context;
  if (!group) {
    const groups: LogsView["groups"] = [];
    let token: string | undefined;
    do {
      const page = api.describeLogGroups({ nextToken: token });
      for (const entry of page.logGroups ?? []) {
        groups.push({
          name: entry.logGroupName as string,
          created: entry.creationTime ?? 0,
          storedBytes: entry.storedBytes ?? 0,
        });
      }
      token = page.nextToken;
    } while (token && groups.length < 1000);
    return { groups };
  }
  const streams = orElse(
    () =>
      (
        api.describeLogStreams({ logGroupName: group, orderBy: "LastEventTime", descending: true, limit: 50 })
          .logStreams ?? []
      ).map((entry) => ({
        name: entry.logStreamName as string,
        created: entry.creationTime ?? 0,
        lastEvent: entry.lastEventTimestamp,
        storedBytes: entry.storedBytes,
      })),
    [],
  );
  const view: LogsView = { group, streams, ...(stream ? { stream } : {}), ...(filter ? { filter } : {}) };
  if (filter !== undefined && filter !== "") {
    // Search: CloudWatch Logs' own filter patterns, over the stream or the whole group; the latest 500 matches.
    const found: NonNullable<LogsView["events"]> = [];
    let token: string | undefined;
    do {
      const page = api.filterLogEvents({
        logGroupName: group,
        ...(stream ? { logStreamNames: [stream] } : {}),
        filterPattern: filter,
        nextToken: token,
      });
      for (const event of page.events ?? [])
        found.push({
          t: event.timestamp ?? 0,
          stream: event.logStreamName ?? "",
          message: event.message ?? "",
        });
      token = page.nextToken;
    } while (token && found.length < 5000);
    return { ...view, events: found.slice(-500) };
  }
  if (stream) {
    const events = api.getLogEvents({ logGroupName: group, logStreamName: stream, limit: 500 }).events ?? [];
    return {
      ...view,
      events: events.map((event) => ({ t: event.timestamp ?? 0, stream, message: event.message ?? "" })),
    };
  }
  return view;
}

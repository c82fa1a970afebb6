import type { BatchStrategy } from "@aws-sdk/client-sagemaker";

/**
 * How an input object becomes requests: SplitType cuts it into records (None: the object is one record; Line: every
 * non-empty line is one), and BatchStrategy groups records into requests (SingleRecord: one each; MultiRecord: as
 * many consecutive records as fit in MaxPayloadInMB, joined by newlines). Records stay views of the object's bytes,
 * so splitting 50,000 lines copies nothing. Pure.
 */

export interface SplitRecords {
  records: Buffer[];
  /** The 1-based line of each record in its object (for messages). */
  lines: number[];
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function splitRecords(body: Buffer, splitType: "None" | "Line"): SplitRecords {
  if (splitType === "None") return { records: [body], lines: [1] };
  const records: Buffer[] = [];
  const lines: number[] = [];
  let start = 0;
  let line = 1;
  while (start <= body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end < 0) end = body.length;
    // A CRLF file's records do not carry the CR: it would reach the model as part of the record.
    const stop = end > start && body[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    if (stop > start) {
      records.push(body.subarray(start, stop));
      lines.push(line);
    }
    start = end + 1;
    line++;
  }
  return { records, lines };
}

/** A request: records [first, first + count) of the object. */
export interface Batch {
  first: number;
  count: number;
}

/** A record larger than one request may be: the job fails naming it. */
export class RecordTooLarge extends Error {
  constructor(
    readonly index: number,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the record is ${bytes} bytes, over MaxPayloadInMB (${limit} bytes)`);
    this.name = "RecordTooLarge";
  }
}

/**
 * Groups records into requests. `limitBytes` undefined is MaxPayloadInMB 0 (no limit, which SageMaker sends with
 * chunked encoding): every record may be of any size and MultiRecord sends the whole object at once.
 */
export function batchRecords(
  records: readonly Buffer[],
  strategy: BatchStrategy,
  limitBytes: number | undefined,
): Batch[] {
  const limit = limitBytes ?? Number.POSITIVE_INFINITY;
  const batches: Batch[] = [];
  let current: Batch | undefined;
  let size = 0;
  for (const [index, record] of records.entries()) {
    if (record.length > limit) throw new RecordTooLarge(index, record.length, limit);
    // A newline between records counts towards the payload.
    const grown = current ? size + 1 + record.length : record.length;
    if (current && strategy === "MultiRecord" && grown <= limit) {
      current.count++;
      size = grown;
      continue;
    }
    current = { first: index, count: 1 };
    size = record.length;
    batches.push(current);
  }
  return batches;
}

/** The body of one request: its records joined by newlines (one record: the record itself, no copy). */
export function batchBody(records: readonly Buffer[], batch: Batch): Buffer {
  if (batch.count === 1) return records[batch.first] as Buffer;
  const parts: Buffer[] = [];
  for (let i = batch.first; i < batch.first + batch.count; i++) {
    if (i > batch.first) parts.push(NEWLINE_BUFFER);
    parts.push(records[i] as Buffer);
  }
  return Buffer.concat(parts);
}

const NEWLINE_BUFFER = Buffer.from("\n");

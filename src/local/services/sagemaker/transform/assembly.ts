import { type DataProcessor, RecordError } from "./data-processing";
import type { Batch } from "./splitting";

/**
 * What one answer adds to its object's output. AssembleWith None writes the answers byte for byte one after another
 * (JSON answers come out glued, `[...][...]`: what the Python workshops undo with string replaces); Line ends every
 * answer, or with DataProcessing every record, with a newline (one newline: an answer that already ends with one gets
 * no second). With DataProcessing each record's answer is joined and filtered first. Pure.
 */

const NEWLINE = Buffer.from("\n");

export function answerChunk(
  records: readonly Buffer[],
  batch: Batch,
  answer: { body: Buffer; contentType: string },
  processor: DataProcessor | undefined,
  assembleWith: "None" | "Line",
): Buffer {
  const line = assembleWith === "Line";
  if (!processor?.perRecord) {
    if (!line || answer.body.at(-1) === NEWLINE[0]) return answer.body;
    return Buffer.concat([answer.body, NEWLINE]);
  }
  const { parts, format } = processor.splitAnswer(answer.body, answer.contentType, batch.count);
  const chunks: Buffer[] = [];
  parts.forEach((part, offset) => {
    try {
      chunks.push(processor.finish(records[batch.first + offset] as Buffer, part, format));
    } catch (error) {
      if (error instanceof RecordError) throw new RecordError(error.message, offset);
      throw error;
    }
    if (line) chunks.push(NEWLINE);
  });
  return Buffer.concat(chunks);
}

import { describe, expect, it } from "vitest";
import { answerChunk } from "../../src/local/services/sagemaker/transform/assembly";
import {
  DataProcessingError,
  dataProcessor,
  RecordError,
} from "../../src/local/services/sagemaker/transform/data-processing";
import { JsonPathSyntaxError, parseJsonPath } from "../../src/local/services/sagemaker/transform/json-path";
import {
  batchBody,
  batchRecords,
  RecordTooLarge,
  splitRecords,
} from "../../src/local/services/sagemaker/transform/splitting";

/** The pure parts of batch transform: JSONPath, DataProcessing, splitting and batching, assembly. */

const select = (path: string, value: unknown) => parseJsonPath(path).select(value);
const text = (buffer: Buffer) => buffer.toString("utf8");
const lines = (...records: string[]) => records.map((record) => Buffer.from(record));

describe("the JSONPath subset of InputFilter and OutputFilter", () => {
  const review = { id: 7, inputs: "재밌다", meta: { source: "nsmc", tags: ["a", "b"] } };

  it("selects the whole record, members, nested members and quoted names", () => {
    expect(select("$", review)).toEqual({ ok: true, value: review });
    expect(parseJsonPath("$").identity).toBe(true);
    expect(select("$.inputs", review)).toEqual({ ok: true, value: "재밌다" });
    expect(select("$.meta.source", review)).toEqual({ ok: true, value: "nsmc" });
    expect(select("$['inputs']", review)).toEqual({ ok: true, value: "재밌다" });
    expect(select("$.meta.tags[1]", review)).toEqual({ ok: true, value: "b" });
  });

  it("builds an object from a list of names, and lists from indexes, slices and *", () => {
    expect(select("$['id','inputs']", review)).toEqual({ ok: true, value: { id: 7, inputs: "재밌다" } });
    const row = ["id-1", "text", "1", "x"];
    expect(select("$[1:]", row)).toEqual({ ok: true, value: ["text", "1", "x"] });
    expect(select("$[1:3]", row)).toEqual({ ok: true, value: ["text", "1"] });
    expect(select("$[0,2]", row)).toEqual({ ok: true, value: ["id-1", "1"] });
    expect(select("$[0,2:]", row)).toEqual({ ok: true, value: ["id-1", "1", "x"] });
    expect(select("$[-1]", row)).toEqual({ ok: true, value: "x" });
    expect(select("$[:-2]", row)).toEqual({ ok: true, value: ["id-1", "text"] });
    expect(select("$[*]", { a: 1, b: 2 })).toEqual({ ok: true, value: [1, 2] });
    expect(select("$['we\\'ird']", { "we'ird": 1 })).toEqual({ ok: true, value: 1 });
  });

  it("says why a path does not apply to a record", () => {
    expect(select("$.missing", review)).toEqual({
      ok: false,
      why: 'there is no member "missing" in an object with id, inputs, meta',
    });
    expect(select("$.inputs.length", review)).toMatchObject({ ok: false });
    expect(select("$[5]", ["a"])).toEqual({ ok: false, why: "index 5 is outside a list of 1" });
    expect(select("$[0]", review)).toMatchObject({ ok: false, why: expect.stringContaining("needs a list") });
    expect(select("$['id','nope']", review)).toMatchObject({ ok: false });
  });

  it("refuses what it cannot read, naming the expression and the rule", () => {
    for (const [path, why] of [
      ["inputs", 'starts with "$"'],
      ["$.", "a name must follow"],
      ["$[0", "never closed"],
      ["$[]", "selects nothing"],
      ["$[a]", "neither an index"],
      ["$['a' 'b']", "separated by commas"],
      ["$[*].a", "nothing may follow"],
      ["$[1:].a", "nothing may follow"],
      ["$x", 'unexpected "x"'],
    ] as const) {
      expect(() => parseJsonPath(path), path).toThrow(JsonPathSyntaxError);
      expect(() => parseJsonPath(path), path).toThrow(why);
    }
  });
});

describe("DataProcessing", () => {
  it("changes nothing (no processor) with the defaults", () => {
    expect(dataProcessor(undefined, "application/json")).toBeUndefined();
    expect(
      dataProcessor({ InputFilter: "$", OutputFilter: "$", JoinSource: "None" }, "text/plain"),
    ).toBeUndefined();
  });

  it("works on JSON and CSV only, and refuses a filter it cannot parse", () => {
    expect(() => dataProcessor({ JoinSource: "Input" }, "text/plain")).toThrow(DataProcessingError);
    expect(() => dataProcessor({ JoinSource: "Input" }, undefined)).toThrow(/ContentType is not set/);
    expect(() => dataProcessor({ InputFilter: "inputs" }, "application/json")).toThrow(
      /DataProcessing.InputFilter "inputs" is not a JSONPath/,
    );
  });

  it("JSON: filters the input, joins the answer under SageMakerOutput and filters the joined record", () => {
    const processor = dataProcessor(
      { InputFilter: "$.inputs", JoinSource: "Input", OutputFilter: "$['id','SageMakerOutput']" },
      "application/jsonlines; charset=utf-8",
    );
    if (!processor) throw new Error("expected a processor");
    const record = Buffer.from('{"id":1,"inputs":"좋아요"}');
    expect(text(processor.filterInput(record))).toBe('"좋아요"');
    expect(processor.perRecord).toBe(true);
    const { parts, format } = processor.splitAnswer(
      Buffer.from('{"label":"positive"}\n{"label":"negative"}\n'),
      "application/jsonlines",
      2,
    );
    expect(format).toBe("json");
    expect(text(processor.finish(record, parts[0], format))).toBe(
      '{"id":1,"SageMakerOutput":{"label":"positive"}}',
    );
  });

  it("JSON: wraps a record that is not an object as SageMakerInput", () => {
    const processor = dataProcessor({ JoinSource: "Input" }, "application/json");
    const joined = processor?.finish(Buffer.from('"그냥 문자열"'), [{ label: "x" }], "json");
    expect(JSON.parse(text(joined as Buffer))).toEqual({
      SageMakerInput: "그냥 문자열",
      SageMakerOutput: [{ label: "x" }],
    });
  });

  it("JSON: a mini-batch answer is a JSON list of one element per record, or one line per record", () => {
    const processor = dataProcessor({ JoinSource: "Input" }, "application/json");
    if (!processor) throw new Error("expected a processor");
    expect(processor.splitAnswer(Buffer.from('[[{"a":1}],[{"a":2}]]'), "application/json", 2).parts).toEqual([
      [{ a: 1 }],
      [{ a: 2 }],
    ]);
    expect(processor.splitAnswer(Buffer.from('[{"a":1}]\n[{"a":2}]'), "application/json", 2).parts).toEqual([
      [{ a: 1 }],
      [{ a: 2 }],
    ]);
    expect(() => processor.splitAnswer(Buffer.from('[{"a":1}]'), "application/json", 3)).toThrow(
      /answered 1 record .* for 3 records/,
    );
  });

  it("CSV: rows are lists of columns; the answer's columns are appended to the input row", () => {
    const processor = dataProcessor(
      { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,2:]" },
      "text/csv",
    );
    if (!processor) throw new Error("expected a processor");
    const record = Buffer.from('17,"재밌다, 정말",x');
    expect(text(processor.filterInput(record))).toBe('"재밌다, 정말",x');
    const { parts, format } = processor.splitAnswer(
      Buffer.from("positive,0.9\nnegative,0.8\n"),
      "text/csv",
      2,
    );
    expect(parts).toEqual([
      ["positive", "0.9"],
      ["negative", "0.8"],
    ]);
    expect(text(processor.finish(record, parts[0], format))).toBe("17,x,positive,0.9");
  });

  it("names what does not apply to a record", () => {
    const processor = dataProcessor({ InputFilter: "$.features" }, "application/json");
    expect(() => processor?.filterInput(Buffer.from('{"inputs":"a"}'))).toThrow(RecordError);
    expect(() => processor?.filterInput(Buffer.from('{"inputs":"a"}'))).toThrow(
      'InputFilter "$.features" does not apply: there is no member "features"',
    );
    expect(() => processor?.filterInput(Buffer.from("not json"))).toThrow(/the record is not JSON/);
    const csv = dataProcessor({ InputFilter: "$[3]" }, "text/csv");
    expect(() => csv?.filterInput(Buffer.from("a,b"))).toThrow(/index 3 is outside a list of 2/);
  });
});

describe("splitting and batching", () => {
  it("Line: every non-empty line is a record, CRs dropped, line numbers kept", () => {
    const split = splitRecords(Buffer.from("a\r\n\nbb\nccc"), "Line");
    expect(split.records.map(text)).toEqual(["a", "bb", "ccc"]);
    expect(split.lines).toEqual([1, 3, 4]);
    expect(splitRecords(Buffer.from("one\ntwo\n"), "None").records.map(text)).toEqual(["one\ntwo\n"]);
    expect(splitRecords(Buffer.alloc(0), "Line").records).toEqual([]);
  });

  it("SingleRecord sends one record a request; MultiRecord as many as fit, newlines counted", () => {
    const records = lines("aaaa", "bbbb", "cccc", "dddd", "eeeeeeeee");
    expect(batchRecords(records, "SingleRecord", 100)).toHaveLength(5);
    // 4 + 1 + 4 = 9 ≤ 9; a third record would need 14.
    expect(batchRecords(records, "MultiRecord", 9)).toEqual([
      { first: 0, count: 2 },
      { first: 2, count: 2 },
      { first: 4, count: 1 },
    ]);
    expect(batchRecords(records, "MultiRecord", undefined)).toEqual([{ first: 0, count: 5 }]);
    expect(text(batchBody(records, { first: 1, count: 3 }))).toBe("bbbb\ncccc\ndddd");
  });

  it("refuses a record larger than the payload limit, naming it", () => {
    expect(() => batchRecords(lines("ok", "far too long"), "MultiRecord", 5)).toThrow(RecordTooLarge);
    try {
      batchRecords(lines("ok", "far too long"), "SingleRecord", 5);
    } catch (error) {
      expect(error).toMatchObject({ index: 1, bytes: 12, limit: 5 });
    }
  });
});

describe("assembly", () => {
  const records = lines('{"inputs":"a"}', '{"inputs":"b"}');
  const answer = (body: string, contentType = "application/json") => ({
    body: Buffer.from(body),
    contentType,
  });

  it("None writes answers byte for byte; Line ends each with one newline", () => {
    const one = { first: 0, count: 1 };
    expect(text(answerChunk(records, one, answer('[{"label":"x"}]'), undefined, "None"))).toBe(
      '[{"label":"x"}]',
    );
    expect(text(answerChunk(records, one, answer('[{"label":"x"}]'), undefined, "Line"))).toBe(
      '[{"label":"x"}]\n',
    );
    expect(text(answerChunk(records, one, answer("a\nb\n"), undefined, "Line"))).toBe("a\nb\n");
  });

  it("with DataProcessing, every record's joined answer, each on its line, and names the record that fails", () => {
    const processor = dataProcessor(
      { JoinSource: "Input", OutputFilter: "$.SageMakerOutput" },
      "application/json",
    );
    const both = { first: 0, count: 2 };
    expect(text(answerChunk(records, both, answer("[1,2]"), processor, "Line"))).toBe("1\n2\n");
    const strict = dataProcessor(
      { JoinSource: "Input", OutputFilter: "$.SageMakerOutput.label" },
      "application/json",
    );
    try {
      answerChunk(records, both, answer('[{"label":"x"},{"score":1}]'), strict, "Line");
      throw new Error("expected a RecordError");
    } catch (error) {
      expect(error).toBeInstanceOf(RecordError);
      expect((error as RecordError).offset).toBe(1);
    }
  });
});

import { describe, expect, it } from "vitest";
import {
  csvDeserializer,
  csvSerializer,
  deserializerFor,
  jsonDeserializer,
  jsonLinesDeserializer,
  jsonLinesSerializer,
  jsonSerializer,
  SerializationError,
  stringDeserializer,
} from "../../src/sagemaker/serializers";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

describe("serializers", () => {
  it("JSON keeps Korean text and passes strings and bytes through", () => {
    expect(text(jsonSerializer.serialize({ inputs: "정말 재밌어요 ㅋㅋ" }))).toBe(
      '{"inputs":"정말 재밌어요 ㅋㅋ"}',
    );
    expect(text(jsonSerializer.serialize('{"inputs":"x"}'))).toBe('{"inputs":"x"}');
    const raw = bytes("raw");
    expect(jsonSerializer.serialize(raw)).toBe(raw);
    expect(() => jsonSerializer.serialize(undefined)).toThrow(SerializationError);
  });

  it("JSON Lines writes one record per line and refuses non-arrays and empty input", () => {
    expect(text(jsonLinesSerializer.serialize([{ text: ["a"] }, { text: ["b\nc"] }]))).toBe(
      '{"text":["a"]}\n{"text":["b\\nc"]}\n',
    );
    expect(() => jsonLinesSerializer.serialize({ text: "a" })).toThrow(/array of records/);
    expect(() => jsonLinesSerializer.serialize([])).toThrow(/at least one record/);
  });

  it("CSV quotes commas, quotes and newlines, and turns single values into rows", () => {
    expect(text(csvSerializer.serialize(["좋아요, 최고", 'he said "no"', "two\nlines"]))).toBe(
      '"좋아요, 최고"\n"he said ""no"""\n"two\nlines"\n',
    );
    expect(
      text(
        csvSerializer.serialize([
          [1, "a"],
          [2, "b"],
        ]),
      ),
    ).toBe("1,a\n2,b\n");
    expect(() => csvSerializer.serialize([])).toThrow(SerializationError);
  });
});

describe("deserializers", () => {
  it("JSON parses, and says what came back when it is not JSON", () => {
    expect(jsonDeserializer.deserialize(bytes('[{"label":"1","score":0.9}]'), "application/json")).toEqual([
      { label: "1", score: 0.9 },
    ]);
    expect(() => jsonDeserializer.deserialize(bytes("<html>oops</html>"), "text/html")).toThrow(/<html>oops/);
  });

  it("rejects bytes that are not UTF-8", () => {
    expect(() => jsonDeserializer.deserialize(new Uint8Array([0xff, 0xfe, 0x00]), undefined)).toThrow(
      /UTF-8/,
    );
  });

  it("JSON Lines skips blank lines, handles CRLF, and names the broken line", () => {
    expect(jsonLinesDeserializer.deserialize(bytes('{"a":1}\r\n\r\n{"a":2}\n'), undefined)).toEqual([
      { a: 1 },
      { a: 2 },
    ]);
    expect(() => jsonLinesDeserializer.deserialize(bytes('{"a":1}\nnope\n'), undefined)).toThrow(/Line 2/);
  });

  it("CSV reads quoted fields back", () => {
    expect(csvDeserializer.deserialize(bytes('"a,b",1\n"x ""y""",2\n'), "text/csv")).toEqual([
      ["a,b", "1"],
      ['x "y"', "2"],
    ]);
  });

  it("picks a deserializer from the response Content-Type", () => {
    expect(deserializerFor("application/json; charset=utf-8")).toBe(jsonDeserializer);
    expect(deserializerFor("application/jsonlines")).toBe(jsonLinesDeserializer);
    expect(deserializerFor("text/csv")).toBe(csvDeserializer);
    expect(deserializerFor(undefined)).toBe(stringDeserializer);
  });
});

/**
 * What lab 2.3's charts and lab 4.1's error table show a reader: n-grams that span two words mark the space (▁),
 * small bars on a scale of thousands stay visible (log axis, numbers on the bars), and a container's JSON error
 * document is shown as its message text, cut at a word boundary, not as escaped JSON cut mid-word.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { markSpaces } from "../../src/data/explore";
import { cellSource, type Notebook } from "../../src/notebook/nbformat";
import { shortText } from "../../src/notebook/table";
import { EndpointInvocationError, messageText } from "../../src/sagemaker/predictor";

const LABS = path.join(__dirname, "..", "..", "labs");
const source = (file: string) =>
  (JSON.parse(readFileSync(path.join(LABS, file), "utf8")) as Notebook).cells.map(cellSource).join("\n\n");

describe("n-grams across word boundaries", () => {
  it("show the space as ▁", () => {
    expect(markSpaces("이 너")).toBe("이▁너");
    expect(markSpaces("최악")).toBe("최악");
  });

  it("lab 2.3 marks them in the chart and the table and says why they appear", () => {
    const lab = source("2_WarmingUp/2.3_Naver-Review-EDA.ipynb");
    expect(lab.match(/markSpaces\(row\.ngram\)/g)).toHaveLength(2);
    expect(lab).toContain("두 어절에 걸친 조각");
    expect(lab).not.toMatch(/`'\$\{row\.ngram\}'`/);
  });

  it("lab 2.3's counts chart keeps bars of a few next to thousands visible: log axis and labelled bars", () => {
    const lab = source("2_WarmingUp/2.3_Naver-Review-EDA.ipynb");
    const chart = lab.slice(lab.indexOf('x: ["빈 리뷰", "중복", "train에도 있음"]') - 400);
    expect(chart).toContain('type: "log"');
    expect(chart).toContain('textposition: "outside"');
    expect(lab).toContain("로그 눈금");
  });
});

describe("a container's error message", () => {
  const modelError = (original: string) =>
    new EndpointInvocationError(
      "ep",
      Object.assign(new Error("Received client error (400) from primary with message ..."), {
        name: "ModelError",
        OriginalStatusCode: 400,
        OriginalMessage: original,
        $metadata: { httpStatusCode: 424 },
      }),
    );

  it("is the message text of its JSON error document", () => {
    const error = modelError(
      '{"code":400,"type":"BadRequest","message":"\\"inputs\\" must be a string or a list of strings"}',
    );
    expect(error.containerMessage).toBe('"inputs" must be a string or a list of strings');
    expect(error.originalMessage).toContain('"type":"BadRequest"');
    expect(messageText('{"errorMessage":"boom"}')).toBe("boom");
    expect(messageText('{"error":{"message":"nested"}}')).toBe("nested");
  });

  it("is the answer as it came when it is not JSON, and the runtime's message without an answer", () => {
    expect(modelError("plain text failure").containerMessage).toBe("plain text failure");
    expect(modelError("{not json").containerMessage).toBe("{not json");
    const validation = new EndpointInvocationError(
      "missing",
      Object.assign(new Error("Endpoint missing of account 0 not found."), { name: "ValidationError" }),
    );
    expect(validation.containerMessage).toBe("Endpoint missing of account 0 not found.");
  });

  it("is cut at a word boundary with …, never mid-word", () => {
    const text = `Content type "application/xml" is not supported by the built-in inference server; send one of application/json, application/jsonlines, text/csv`;
    const short = shortText(text, 100);
    expect([...short].length).toBeLessThanOrEqual(100);
    expect(short.endsWith("…")).toBe(true);
    const kept = short.slice(0, -1);
    expect(text.startsWith(kept)).toBe(true);
    expect([" ", ",", ";"]).toContain(text[kept.length]);
    expect(shortText("짧은 글", 100)).toBe("짧은 글");
  });

  it("lab 4.1's table shows containerMessage through shortText, not a slice of the raw answer", () => {
    const lab = source("4_Serving/4.1_Realtime-Endpoint.ipynb");
    expect(lab).toContain("shortText(error.containerMessage, 160)");
    expect(lab).not.toContain("(error.originalMessage ?? error.message).slice(");
  });
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { buildPipeline, loadHandlerModule } from "../../src/containers/inference/handlers";
import {
  type PipelineStep,
  packPipelineStep,
  pipelineStepDir,
  stagePipelineStep,
} from "../../src/labs/pipeline";
import {
  encodeVerdicts,
  koreanVerdicts,
  normaliseReview,
  parseUncertainBelow,
  preprocessPayload,
} from "../../src/labs/review-pipeline";

/**
 * Lab 4.7's pipeline steps: the pure rules (src/labs/review-pipeline.ts), their Python mirror in each step's
 * inference.py (what the Hugging Face DLC runs on AWS) held to the same answers, and the TypeScript handlers run
 * through the built-in inference server's own handler loader.
 */

const NORMALISED: [string, string][] = [
  ["ㅋㅋㅋㅋㅋ 진짜 재밌음!!!!!최고^^", "ㅋㅋ 진짜 재밌음!! 최고ㅎㅎ"],
  ["너무너무 슬펐어요ㅠㅠㅠㅠㅠ", "너무너무 슬펐어요ㅠㅠ"],
  ["정말정말정말 좋아요", "정말정말정말 좋아요"],
  ["돈 아깝다.......다시는 안 봄", "돈 아깝다... 다시는 안 봄"],
  ["ㅠ_ㅠ 슬퍼…", "ㅠㅠ 슬퍼..."],
  ["배송 빨라요 !!정말 좋아요~~~~또 살게요", "배송 빨라요!! 정말 좋아요~~ 또 살게요"],
  ["왜?그랬을까", "왜? 그랬을까"],
  ["가격 1000원, 평점 3.5점, 1,000,000명 관객", "가격 1000원, 평점 3.5점, 1,000,000명 관객"],
  ["ok.com 에서 샀어요", "ok.com 에서 샀어요"],
  ["완전 별로 T_T 최악 :(", "완전 별로 ㅠㅠ 최악 ㅠㅠ"],
  ["좋아요 :) 또 올게요 ^_^", "좋아요 ㅎㅎ 또 올게요 ㅎㅎ"],
  ["웃겨요😂😂😂 ㅋㅋ😂", "웃겨요ㅋㅋ ㅋㅋ"],
  ["ㅎㅎㅎㅎ^_^", "ㅎㅎ"],
  ["  공백   많은\t리뷰\n입니다 \u200b", "공백 많은 리뷰 입니다"],
  // Decomposed jamo (NFD) become syllables.
  ["\u1112\u1161\u11ab\u1100\u1173\u11af 리뷰", "한글 리뷰"],
  ["", ""],
];

const PAYLOADS: [string, string, unknown][] = [
  ["application/json", '{"inputs": "최고!!!!!"}', { inputs: "최고!!" }],
  [
    "application/json",
    '{"inputs": ["ㅋㅋㅋㅋ 굿", 42], "parameters": {"top_k": 2}}',
    { inputs: ["ㅋㅋ 굿", 42], parameters: { top_k: 2 } },
  ],
  ["application/json; charset=utf-8", '"별로....."', { inputs: "별로..." }],
  ["application/json", '{"inputs": {"review": "재밌어요"}}', { inputs: { review: "재밌어요" } }],
  [
    "application/jsonlines",
    '{"inputs": "재밌다ㅋㅋㅋ"}\n\n"그냥 그래요 ."\n',
    { inputs: ["재밌다ㅋㅋ", "그냥 그래요."] },
  ],
  ["text/plain", "첫 줄이에요!!!!\n둘째 줄 ㅠㅠㅠ\n", { inputs: ["첫 줄이에요!!", "둘째 줄 ㅠㅠ"] }],
];

const PREDICTIONS: [unknown, number, unknown][] = [
  [
    [{ label: "positive", score: 0.93 }],
    0.6,
    [{ label: "긍정", model_label: "positive", score: 0.93, uncertain: false }],
  ],
  [
    [
      { label: "negative", score: 0.55 },
      { label: "LABEL_0", score: 0.8 },
    ],
    0.6,
    [
      { label: "애매함", model_label: "negative", score: 0.55, uncertain: true },
      { label: "부정", model_label: "LABEL_0", score: 0.8, uncertain: false },
    ],
  ],
  [
    [
      [
        { label: "travel", score: 0.7 },
        { label: "food", score: 0.2 },
      ],
    ],
    0.5,
    [{ label: "travel", model_label: "travel", score: 0.7, uncertain: false }],
  ],
  [{ label: "1", score: 0.6 }, 0.6, [{ label: "긍정", model_label: "1", score: 0.6, uncertain: false }]],
];

describe("the pre-processing rules", () => {
  it.each(NORMALISED)("normaliseReview(%j) is %j", (input, expected) => {
    expect(normaliseReview(input)).toBe(expected);
  });

  it("is idempotent: a normalised review does not change again", () => {
    for (const [, expected] of NORMALISED) expect(normaliseReview(expected)).toBe(expected);
  });

  it.each(PAYLOADS)("%s %j becomes the model's payload", (contentType, body, expected) => {
    expect(preprocessPayload(body, contentType)).toEqual(expected);
  });

  it("names what it cannot read", () => {
    expect(() => preprocessPayload("<review/>", "application/xml")).toThrow(
      'The preprocess step reads application/json, application/jsonlines, text/plain; got "application/xml".',
    );
    expect(() => preprocessPayload("{inputs", "application/json")).toThrow(
      /^the application\/json body is not JSON/,
    );
    expect(() => preprocessPayload('{"inputs": "a"}\n{oops', "application/jsonlines")).toThrow(
      /^line 2 of the JSON Lines body is not JSON/,
    );
  });
});

describe("the post-processing rules", () => {
  it.each(PREDICTIONS)("koreanVerdicts(%j, %d)", (prediction, band, expected) => {
    expect(koreanVerdicts(prediction, band)).toEqual(expected);
  });

  it("refuses an answer that is not {label, score}", () => {
    expect(() => koreanVerdicts([{ label: "positive" }])).toThrow(
      'The postprocess step expects {"label", "score"} answers from the model; answer 1 is {"label":"positive"}.',
    );
  });

  it("answers JSON or JSON Lines, as the caller's Accept asks", () => {
    const verdicts = koreanVerdicts([
      { label: "positive", score: 0.9 },
      { label: "negative", score: 0.7 },
    ]);
    expect(encodeVerdicts(verdicts, "*/*")).toEqual({
      body: JSON.stringify(verdicts),
      contentType: "application/json",
    });
    const lines = encodeVerdicts(verdicts, "application/jsonlines");
    expect(lines.contentType).toBe("application/jsonlines");
    expect(lines.body.split("\n").map((line) => JSON.parse(line))).toEqual(verdicts);
    expect(() => encodeVerdicts(verdicts, "text/csv")).toThrow(/Accept is "text\/csv"/);
  });

  it("reads the band from UNCERTAIN_BELOW, 0.6 when unset", () => {
    expect(parseUncertainBelow(undefined)).toBe(0.6);
    expect(parseUncertainBelow(" ")).toBe(0.6);
    expect(parseUncertainBelow("0.75")).toBe(0.75);
    expect(() => parseUncertainBelow("1.5")).toThrow(
      'UNCERTAIN_BELOW must be a number from 0 to 1; got "1.5".',
    );
    expect(() => parseUncertainBelow("high")).toThrow(/got "high"/);
  });
});

const hasPython = spawnSync("python3", ["--version"]).status === 0;

/** Runs `code` with the step's folder as the working directory (so `import inference` is that step's handler). */
function python(step: PipelineStep, code: string, env: NodeJS.ProcessEnv = {}): unknown {
  const run = spawnSync("python3", ["-B", "-c", code], {
    cwd: pipelineStepDir(step),
    encoding: "utf8",
    env: { ...process.env, PYTHONIOENCODING: "utf-8", ...env },
  });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}):\n${run.stderr}`);
  const lines = run.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1] as string);
}

/** Each call as {"value": ...} or {"error": message}, so error cases compare too. */
const PY_CALLS = `
import json
def call(fn, *args):
    try:
        return {"value": fn(*args)}
    except Exception as error:
        return {"error": str(error)}
`;

const tsCall = (fn: () => unknown): { value: unknown } | { error: string } => {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe.skipIf(!hasPython)(
  "the Python handlers (the Hugging Face DLC's inference.py) mirror the rules",
  () => {
    it("normalise every review exactly as normaliseReview does", () => {
      const inputs = NORMALISED.map(([input]) => input);
      const answers = python(
        "preprocess",
        `import json, inference; print(json.dumps([inference.normalise_review(t) for t in json.loads(${JSON.stringify(JSON.stringify(inputs))})]))`,
      );
      expect(answers).toEqual(inputs.map(normaliseReview));
    });

    it("build the same payloads and the same errors from the same bodies", () => {
      const cases: [string, string][] = [
        ...PAYLOADS.map(([type, body]): [string, string] => [type, body]),
        ["application/xml", "<review/>"],
      ];
      const answers = python(
        "preprocess",
        `${PY_CALLS}
import inference
cases = json.loads(${JSON.stringify(JSON.stringify(cases))})
print(json.dumps([call(inference.preprocess_payload, body, content_type) for content_type, body in cases]))`,
      );
      expect(answers).toEqual(cases.map(([type, body]) => tsCall(() => preprocessPayload(body, type))));
    });

    it("give the same verdicts, encodings, bands and errors", () => {
      const predictions = [...PREDICTIONS.map(([p, band]) => [p, band]), [[{ label: "positive" }], 0.6]];
      const answers = python(
        "postprocess",
        `${PY_CALLS}
import inference
cases = json.loads(${JSON.stringify(JSON.stringify(predictions))})
verdicts = [call(inference.korean_verdicts, p, band) for p, band in cases]
lines = inference.encode_verdicts(verdicts[1]["value"], "application/jsonlines")
bands = [call(inference.parse_uncertain_below, raw) for raw in [None, " ", "0.75", "1.5", "high"]]
print(json.dumps({"verdicts": verdicts, "lines": list(lines), "csv": call(inference.encode_verdicts, [], "text/csv"), "bands": bands}))`,
      );
      const verdicts = predictions.map(([p, band]) => tsCall(() => koreanVerdicts(p, band as number)));
      const lines = encodeVerdicts(koreanVerdicts(PREDICTIONS[1]?.[0], 0.6), "application/jsonlines");
      expect(answers).toEqual({
        verdicts,
        lines: [lines.body, lines.contentType],
        csv: tsCall(() => encodeVerdicts([], "text/csv")),
        bands: [undefined, " ", "0.75", "1.5", "high"].map((raw) => tsCall(() => parseUncertainBelow(raw))),
      });
    });

    it("run as the toolkit runs them: model_fn, input_fn (bytes), predict_fn, output_fn, logging what they got", () => {
      const chain = (step: PipelineStep, body: string, contentType: string, accept: string, env = {}) =>
        python(
          step,
          `import io, json, contextlib, inference
out = io.StringIO()
with contextlib.redirect_stdout(out):
    model = inference.model_fn("/opt/ml/model")
    data = inference.input_fn(${JSON.stringify(body)}.encode("utf-8"), ${JSON.stringify(contentType)})
    body = inference.output_fn(inference.predict_fn(data, model), ${JSON.stringify(accept)})
print(json.dumps({"body": body, "log": out.getvalue().splitlines()}, ensure_ascii=False))`,
          env,
        ) as { body: string; log: string[] };
      const pre = chain("preprocess", "ㅋㅋㅋㅋ 최고!!!!!", "text/plain", "application/json");
      expect(JSON.parse(pre.body)).toEqual({ inputs: ["ㅋㅋ 최고!!"] });
      expect(pre.log).toEqual([
        "[preprocess] received text/plain: ㅋㅋㅋㅋ 최고!!!!!",
        '[preprocess] sends application/json: {"inputs":["ㅋㅋ 최고!!"]}',
      ]);
      const post = chain(
        "postprocess",
        '[{"label": "positive", "score": 0.7}, {"label": "negative", "score": 0.95}]',
        "application/json",
        "application/jsonlines",
        { UNCERTAIN_BELOW: "0.8" },
      );
      expect(post.body.split("\n").map((line) => JSON.parse(line))).toEqual([
        { label: "애매함", model_label: "positive", score: 0.7, uncertain: true },
        { label: "부정", model_label: "negative", score: 0.95, uncertain: false },
      ]);
      expect(post.log[1]).toMatch(/^\[postprocess\] answers application\/jsonlines: /);
    });
  },
);

describe("the TypeScript handlers, loaded by the built-in inference server", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.UNCERTAIN_BELOW;
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function step(name: PipelineStep) {
    const dir = mkdtempSync(join(tmpdir(), `ko-pipeline-${name}-`));
    dirs.push(dir);
    await stagePipelineStep(name, dir);
    const pipeline = await buildPipeline(dir, await loadHandlerModule(join(dir, "code", "inference.ts")));
    return async (body: string, contentType: string, accept: string) => {
      const answer = await pipeline({
        body: Buffer.from(body),
        contentType,
        accept,
        context: { modelDir: dir },
      });
      return { body: answer.body.toString("utf8"), contentType: answer.contentType };
    };
  }

  it("preprocess: reads the caller's ContentType, sends JSON on, and logs both", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const pre = await step("preprocess");
    const answer = await pre("재밌어요ㅋㅋㅋㅋ^^\n돈 아까움.....", "text/plain", "application/json");
    expect(answer.contentType).toBe("application/json");
    expect(JSON.parse(answer.body)).toEqual({ inputs: ["재밌어요ㅋㅋㅎㅎ", "돈 아까움..."] });
    expect(log.mock.calls.map((call) => call[0])).toEqual([
      "[preprocess] received text/plain: 재밌어요ㅋㅋㅋㅋ^^\\n돈 아까움.....",
      '[preprocess] sends application/json: {"inputs":["재밌어요ㅋㅋㅎㅎ","돈 아까움..."]}',
    ]);
    await expect(pre("<x/>", "application/xml", "application/json")).rejects.toThrow(/application\/xml/);
  });

  it("postprocess: Korean verdicts in the caller's Accept, the band from its environment", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    process.env.UNCERTAIN_BELOW = "0.8";
    const post = await step("postprocess");
    const answer = await post(
      '[{"label":"positive","score":0.7},{"label":"negative","score":0.95}]',
      "application/json",
      "application/jsonlines",
    );
    expect(answer.contentType).toBe("application/jsonlines");
    expect(answer.body.split("\n").map((line) => JSON.parse(line))).toMatchObject([
      { label: "애매함", uncertain: true },
      { label: "부정", uncertain: false },
    ]);
    await expect(post("not json", "text/plain", "application/json")).rejects.toThrow(
      /reads the model's JSON answer/,
    );
  });

  it("each step packs as a model.tar.gz holding only code/: both handlers and the shared rules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ko-pipeline-pack-"));
    dirs.push(dir);
    for (const name of ["preprocess", "postprocess"] as const) {
      const file = join(dir, `${name}.tar.gz`);
      const packed = await packPipelineStep(name, file);
      const listed: string[] = [];
      await tar.t({ file, onReadEntry: (entry) => listed.push(entry.path) });
      expect(listed.sort()).toEqual(packed);
      expect(packed).toEqual(["code/inference.py", "code/inference.ts", "code/review-pipeline.ts"]);
    }
  });
});

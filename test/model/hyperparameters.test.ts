import { describe, expect, it } from "vitest";
import { parseHyperparameters } from "../../src/model/hyperparameters";

describe("parseHyperparameters", () => {
  it("accepts dashes, underscores and camelCase, and types the values", () => {
    const { options, unknown } = parseHyperparameters({
      epochs: "3",
      learning_rate: "0.2",
      "hash-bits": 18,
      charNgramMax: '"4"',
      model_name: "klue/bert-base",
    });
    expect(options).toEqual({ epochs: 3, learningRate: 0.2, hashBits: 18, charNgramMax: 4 });
    expect(unknown).toEqual(["model_name"]);
  });

  it('reads booleans properly: "false" is false', () => {
    expect(parseHyperparameters({ nb_weighting: "false" }).options).toEqual({ nbAlpha: 0 });
    expect(parseHyperparameters({ nb_weighting: '"False"' }).options).toEqual({ nbAlpha: 0 });
    expect(parseHyperparameters({ nb_weighting: "true", nb_alpha: "0.5" }).options).toEqual({ nbAlpha: 0.5 });
    expect(parseHyperparameters({ nb_weighting: false }).options).toEqual({ nbAlpha: 0 });
    expect(() => parseHyperparameters({ nb_weighting: "maybe" })).toThrow(
      /nb_weighting must be true or false/,
    );
  });

  it("rejects numbers that are not numbers, naming the key and value", () => {
    expect(() => parseHyperparameters({ epochs: "three" })).toThrow(
      'Hyperparameter epochs must be an integer; got "three".',
    );
    expect(() => parseHyperparameters({ epochs: "2.5" })).toThrow(/epochs must be an integer/);
    expect(() => parseHyperparameters({ l2: "" })).toThrow(/l2 must be a number/);
  });

  it("reads label names as JSON or as value=name pairs", () => {
    const expected = { labelNames: { "0": "negative", "1": "positive" } };
    expect(parseHyperparameters({ label_names: '{"0":"negative","1":"positive"}' }).options).toEqual(
      expected,
    );
    expect(parseHyperparameters({ label_names: "0=negative,1=positive" }).options).toEqual(expected);
    // SageMaker's SDK JSON-encodes every hyperparameter value once more.
    const twice = JSON.stringify(JSON.stringify({ "0": "negative", "1": "positive" }));
    expect(parseHyperparameters({ label_names: twice }).options).toEqual(expected);
    expect(() => parseHyperparameters({ label_names: "negative" })).toThrow(/must map label values to names/);
  });
});

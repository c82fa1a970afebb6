import { type Json, type PipelineValue, referencedSteps, toJson } from "./variables";

/**
 * A ConditionStep's conditions, as the Python SDK's `sagemaker.workflow.conditions`: comparisons of two values
 * (numbers compare as numbers, text as text), `In`, `Not` and `Or`. All the conditions of a step must hold.
 */
export abstract class Condition {
  abstract definition(): Json;
  abstract get referencedSteps(): string[];
  toJSON(): Json {
    return this.definition();
  }
}

abstract class Comparison extends Condition {
  abstract readonly type: string;
  readonly left: PipelineValue;
  readonly right: PipelineValue;

  constructor(options: { left: PipelineValue; right: PipelineValue }) {
    super();
    this.left = options.left;
    this.right = options.right;
  }

  definition(): Json {
    return { Type: this.type, LeftValue: toJson(this.left), RightValue: toJson(this.right) };
  }

  get referencedSteps(): string[] {
    return [...referencedSteps(this.left), ...referencedSteps(this.right)];
  }
}

export class ConditionEquals extends Comparison {
  readonly type = "Equals";
}
export class ConditionGreaterThan extends Comparison {
  readonly type = "GreaterThan";
}
export class ConditionGreaterThanOrEqualTo extends Comparison {
  readonly type = "GreaterThanOrEqualTo";
}
export class ConditionLessThan extends Comparison {
  readonly type = "LessThan";
}
export class ConditionLessThanOrEqualTo extends Comparison {
  readonly type = "LessThanOrEqualTo";
}

export class ConditionIn extends Condition {
  readonly value: PipelineValue;
  readonly inValues: PipelineValue[];

  constructor(options: { value: PipelineValue; inValues: PipelineValue[] }) {
    super();
    this.value = options.value;
    this.inValues = options.inValues;
  }

  definition(): Json {
    return { Type: "In", QueryValue: toJson(this.value), Values: this.inValues.map(toJson) };
  }

  get referencedSteps(): string[] {
    return [...referencedSteps(this.value), ...referencedSteps(this.inValues)];
  }
}

export class ConditionNot extends Condition {
  readonly expression: Condition;

  constructor(options: { expression: Condition }) {
    super();
    this.expression = options.expression;
  }

  definition(): Json {
    return { Type: "Not", Expression: this.expression.definition() };
  }

  get referencedSteps(): string[] {
    return this.expression.referencedSteps;
  }
}

export class ConditionOr extends Condition {
  readonly conditions: Condition[];

  constructor(options: { conditions: Condition[] }) {
    super();
    this.conditions = options.conditions;
  }

  definition(): Json {
    return { Type: "Or", Conditions: this.conditions.map((condition) => condition.definition()) };
  }

  get referencedSteps(): string[] {
    return this.conditions.flatMap((condition) => condition.referencedSteps);
  }
}

import { type EvaluationScope, evaluate, StepInputError } from "./expressions";

/**
 * A Condition step's conditions (all must hold): Equals, GreaterThan(OrEqualTo), LessThan(OrEqualTo) on the
 * evaluated LeftValue and RightValue, In (QueryValue among Values), Not and Or. Numbers compare as numbers (a
 * numeric string beside a number too: JSON files and parameters mix them), strings as strings (ISO dates order
 * correctly), and anything else only for equality.
 */

type Raw = Record<string, unknown>;

export async function conditionsHold(
  conditions: readonly unknown[],
  scope: EvaluationScope,
): Promise<boolean> {
  for (const condition of conditions) {
    if (!(await holds(condition as Raw, scope))) return false;
  }
  return true;
}

async function holds(condition: Raw, scope: EvaluationScope): Promise<boolean> {
  switch (condition.Type) {
    case "Not":
      return !(await holds(condition.Expression as Raw, scope));
    case "Or": {
      for (const inner of condition.Conditions as Raw[]) if (await holds(inner, scope)) return true;
      return false;
    }
    case "In": {
      const query = await evaluate(condition.QueryValue, scope);
      const values = (await evaluate(condition.Values, scope)) as unknown[];
      return values.some((value) => compare(query, value, "Equals") === 0);
    }
    default: {
      const left = await evaluate(condition.LeftValue, scope);
      const right = await evaluate(condition.RightValue, scope);
      const order = compare(left, right, condition.Type as string);
      switch (condition.Type) {
        case "Equals":
          return order === 0;
        case "GreaterThan":
          return order > 0;
        case "GreaterThanOrEqualTo":
          return order >= 0;
        case "LessThan":
          return order < 0;
        case "LessThanOrEqualTo":
          return order <= 0;
        default:
          throw new StepInputError(`unknown condition type ${String(condition.Type)}`);
      }
    }
  }
}

const numeric = (value: unknown): number | undefined => {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
};

/** -1, 0 or 1; NaN for values that are only comparable for equality and differ. */
function compare(left: unknown, right: unknown, type: string): number {
  if (typeof left === "number" || typeof right === "number") {
    const a = numeric(left);
    const b = numeric(right);
    if (a !== undefined && b !== undefined) return Math.sign(a - b);
  }
  if (typeof left === "string" && typeof right === "string") return left < right ? -1 : left > right ? 1 : 0;
  if (type !== "Equals") {
    throw new StepInputError(
      `${type} compares numbers or strings; it was given ${JSON.stringify(left)} and ${JSON.stringify(right)}`,
    );
  }
  return JSON.stringify(left) === JSON.stringify(right) ? 0 : Number.NaN;
}

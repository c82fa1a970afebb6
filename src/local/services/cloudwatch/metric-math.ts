import { validationError } from "./errors";

/**
 * The part of CloudWatch metric math the workshops need, for GetMetricData and metric-math alarms:
 *   - numbers, query ids (`m1`), `+ - * /`, unary minus and parentheses; a time series combined with a number
 *     applies to each point, two series combine where both have a point (a division by zero drops the point);
 *   - `METRICS()` / `METRICS("text")`: the request's MetricStat queries (those whose label contains the text);
 *   - `SUM`, `AVG`, `MIN`, `MAX` of an array of series: one series, point by point; of one series: one number;
 *   - `ABS(x)`, `RATE(s)` (change per second between consecutive points), `DIFF(s)` (change between them),
 *     `FILL(s, value)` (every period of the query's range, missing points set to value).
 * Anything else (Metrics Insights, SEARCH, anomaly bands, IF, ...) is refused naming what is not supported.
 */

export interface TimeSeries {
  label: string;
  /** Period start (epoch seconds) → value. */
  points: Map<number, number>;
}

export type MathValue =
  | { kind: "scalar"; value: number }
  | { kind: "series"; series: TimeSeries }
  | { kind: "array"; series: TimeSeries[] };

type Node =
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "id"; name: string }
  | { type: "negate"; arg: Node }
  | { type: "binary"; op: "+" | "-" | "*" | "/"; left: Node; right: Node }
  | { type: "call"; name: string; args: Node[] };

export interface MathContext {
  /** The value of another query of the request, by id (undefined when there is none). */
  resolve(id: string): MathValue | undefined;
  /** The request's MetricStat series. */
  metrics(): TimeSeries[];
  /** The period starts of the query's range, for FILL. */
  grid(): number[];
}

const TOKEN =
  /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)"|([-+*/(),]))/y;

type Token = { kind: "number" | "name" | "string" | "punct"; text: string };

function tokenize(expression: string, id: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(expression);
    if (!match) throw mathError(id, `cannot read "${expression.slice(at, at + 20)}"`);
    at = TOKEN.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "number", text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: "name", text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: "string", text: match[3].replace(/\\(.)/g, "$1") });
    else tokens.push({ kind: "punct", text: match[4] as string });
  }
  return tokens;
}

function mathError(id: string, problem: string): Error {
  return validationError(`Error in expression ${id}: ${problem}.`);
}

/** Parses an expression once; the result is evaluated against a context. */
export function parseExpression(expression: string, id: string): Node {
  const tokens = tokenize(expression, id);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const take = (text: string): boolean => {
    if (peek()?.text === text && peek()?.kind === "punct") {
      at++;
      return true;
    }
    return false;
  };
  const sum = (): Node => {
    let left = product();
    for (;;) {
      if (take("+")) left = { type: "binary", op: "+", left, right: product() };
      else if (take("-")) left = { type: "binary", op: "-", left, right: product() };
      else return left;
    }
  };
  const product = (): Node => {
    let left = unary();
    for (;;) {
      if (take("*")) left = { type: "binary", op: "*", left, right: unary() };
      else if (take("/")) left = { type: "binary", op: "/", left, right: unary() };
      else return left;
    }
  };
  const unary = (): Node => (take("-") ? { type: "negate", arg: unary() } : primary());
  const primary = (): Node => {
    const token = peek();
    if (!token) throw mathError(id, "the expression ends too early");
    at++;
    if (token.kind === "number") return { type: "number", value: Number(token.text) };
    if (token.kind === "string") return { type: "string", value: token.text };
    if (token.kind === "name") {
      if (!take("(")) return { type: "id", name: token.text };
      const args: Node[] = [];
      if (!take(")")) {
        do args.push(sum());
        while (take(","));
        if (!take(")")) throw mathError(id, `expected ")" after the arguments of ${token.text}`);
      }
      return { type: "call", name: token.text.toUpperCase(), args };
    }
    if (token.text === "(") {
      const inner = sum();
      if (!take(")")) throw mathError(id, 'expected ")"');
      return inner;
    }
    throw mathError(id, `unexpected "${token.text}"`);
  };
  const node = sum();
  if (at < tokens.length) throw mathError(id, `unexpected "${(tokens[at] as Token).text}"`);
  return node;
}

const FUNCTIONS = ["METRICS", "SUM", "AVG", "MIN", "MAX", "ABS", "RATE", "DIFF", "FILL"];

export function evaluate(node: Node, id: string, context: MathContext): MathValue {
  switch (node.type) {
    case "number":
      return { kind: "scalar", value: node.value };
    case "string":
      throw mathError(id, `a string ("${node.value}") is only an argument of METRICS`);
    case "id": {
      const value = context.resolve(node.name);
      if (!value) throw mathError(id, `there is no query with the id "${node.name}"`);
      return value;
    }
    case "negate":
      return pointwise(evaluate(node.arg, id, context), { kind: "scalar", value: -1 }, (a, b) => a * b);
    case "binary":
      return pointwise(
        evaluate(node.left, id, context),
        evaluate(node.right, id, context),
        OPERATORS[node.op],
      );
    case "call":
      return call(node, id, context);
  }
}

const OPERATORS: Record<"+" | "-" | "*" | "/", (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};

function call(node: Extract<Node, { type: "call" }>, id: string, context: MathContext): MathValue {
  const { name, args } = node;
  if (!FUNCTIONS.includes(name)) {
    throw mathError(
      id,
      `local CloudWatch does not support the function ${name} (it supports ${FUNCTIONS.join(", ")})`,
    );
  }
  if (name === "METRICS") {
    const filter = args[0];
    if (args.length > 1 || (filter && filter.type !== "string")) {
      throw mathError(id, 'METRICS takes no argument or one string, as in METRICS("Errors")');
    }
    const all = context.metrics();
    return { kind: "array", series: filter ? all.filter((s) => s.label.includes(filter.value)) : all };
  }
  const want = name === "FILL" ? 2 : 1;
  if (args.length !== want) throw mathError(id, `${name} takes ${want} argument${want > 1 ? "s" : ""}`);
  const value = evaluate(args[0] as Node, id, context);
  switch (name) {
    case "SUM":
    case "AVG":
    case "MIN":
    case "MAX":
      return reduce(name, value);
    case "ABS":
      return pointwise(value, { kind: "scalar", value: 0 }, (a) => Math.abs(a));
    case "RATE":
    case "DIFF":
      return mapSeries(value, id, name, (series) => changes(series, name === "RATE"));
    default: {
      const fill = evaluate(args[1] as Node, id, context);
      if (fill.kind !== "scalar") throw mathError(id, "the second argument of FILL must be a number");
      const grid = context.grid();
      return mapSeries(value, id, name, (series) => {
        const points = new Map<number, number>();
        for (const second of grid) points.set(second, series.points.get(second) ?? fill.value);
        return { label: series.label, points };
      });
    }
  }
}

function reduce(name: string, value: MathValue): MathValue {
  const combine = (values: number[]): number =>
    name === "SUM"
      ? values.reduce((a, b) => a + b, 0)
      : name === "AVG"
        ? values.reduce((a, b) => a + b, 0) / values.length
        : name === "MIN"
          ? Math.min(...values)
          : Math.max(...values);
  if (value.kind === "scalar") return value;
  if (value.kind === "series") {
    const values = [...value.series.points.values()];
    return values.length
      ? { kind: "scalar", value: combine(values) }
      : { kind: "series", series: value.series };
  }
  const byTime = new Map<number, number[]>();
  for (const series of value.series) {
    for (const [second, v] of series.points) {
      const list = byTime.get(second);
      if (list) list.push(v);
      else byTime.set(second, [v]);
    }
  }
  const points = new Map<number, number>();
  for (const [second, values] of [...byTime].sort((a, b) => a[0] - b[0])) points.set(second, combine(values));
  return { kind: "series", series: { label: name, points } };
}

function changes(series: TimeSeries, perSecond: boolean): TimeSeries {
  const sorted = [...series.points].sort((a, b) => a[0] - b[0]);
  const points = new Map<number, number>();
  for (let i = 1; i < sorted.length; i++) {
    const [t0, v0] = sorted[i - 1] as [number, number];
    const [t1, v1] = sorted[i] as [number, number];
    points.set(t1, perSecond ? (v1 - v0) / (t1 - t0) : v1 - v0);
  }
  return { label: series.label, points };
}

function mapSeries(
  value: MathValue,
  id: string,
  name: string,
  f: (series: TimeSeries) => TimeSeries,
): MathValue {
  if (value.kind === "scalar") throw mathError(id, `${name} needs a time series, not a number`);
  return value.kind === "series"
    ? { kind: "series", series: f(value.series) }
    : { kind: "array", series: value.series.map(f) };
}

/** `a op b` for numbers, series (point by point, where both have a point) and arrays (series by series). */
function pointwise(a: MathValue, b: MathValue, op: (x: number, y: number) => number): MathValue {
  if (a.kind === "array" && b.kind === "array") {
    throw validationError("Metric math cannot combine two arrays of time series with an operator.");
  }
  if (a.kind === "array") {
    return {
      kind: "array",
      series: a.series.map((s) => seriesOf(pointwise({ kind: "series", series: s }, b, op))),
    };
  }
  if (b.kind === "array") {
    return {
      kind: "array",
      series: b.series.map((s) => seriesOf(pointwise(a, { kind: "series", series: s }, op))),
    };
  }
  if (a.kind === "scalar" && b.kind === "scalar") return { kind: "scalar", value: op(a.value, b.value) };
  const base = (a.kind === "series" ? a : (b as Extract<MathValue, { kind: "series" }>)).series;
  const points = new Map<number, number>();
  for (const second of base.points.keys()) {
    const x = a.kind === "scalar" ? a.value : a.series.points.get(second);
    const y = b.kind === "scalar" ? b.value : b.series.points.get(second);
    if (x === undefined || y === undefined) continue;
    const result = op(x, y);
    if (Number.isFinite(result)) points.set(second, result);
  }
  return { kind: "series", series: { label: base.label, points } };
}

function seriesOf(value: MathValue): TimeSeries {
  return (value as Extract<MathValue, { kind: "series" }>).series;
}

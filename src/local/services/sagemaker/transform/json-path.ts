/**
 * The JSONPath subset batch transform's InputFilter and OutputFilter accept (the "Supported JSONPath operators" of
 * SageMaker's data-processing guide): `$`, `.name`, `['name']`, `['a','b']`, `[*]`, `[2]`, `[0,2]`, `[1:]`,
 * `[1:3]` and mixtures such as `[0,5:]`. A CSV row is a list of columns, so `$[1:]` drops the first column.
 *
 * Each step maps one value to one value: a name or a single index selects that member or element; a list of names
 * builds an object of those members; indexes, slices and `*` build a list. A step that builds a list or object ends
 * the path (`$[*].a` would need JSONPath's node lists, which SageMaker's examples never use), and the parser says so.
 */

export class JsonPathSyntaxError extends Error {
  constructor(expression: string, why: string) {
    super(`"${expression}" is not a JSONPath batch transform understands: ${why}.`);
    this.name = "JsonPathSyntaxError";
  }
}

type IndexItem = { index: number } | { start?: number; end?: number };

type Step =
  | { kind: "name"; name: string }
  | { kind: "names"; names: string[] }
  | { kind: "indexes"; items: IndexItem[] }
  | { kind: "all" };

export type Selection = { ok: true; value: unknown } | { ok: false; why: string };

export interface JsonPath {
  readonly expression: string;
  /** `$` alone: selects the value itself. */
  readonly identity: boolean;
  select(value: unknown): Selection;
}

const NAME = /^[^.[\]\s'"*]+/;
const INTEGER = /^-?\d+$/;

export function parseJsonPath(expression: string): JsonPath {
  const text = expression.trim();
  const fail = (why: string): JsonPathSyntaxError => new JsonPathSyntaxError(expression, why);
  if (!text.startsWith("$")) throw fail('a path starts with "$" (the whole record)');
  const steps: Step[] = [];
  let at = 1;
  while (at < text.length) {
    const last = steps.at(-1);
    if (last && selectsSeveral(last)) {
      throw fail("nothing may follow a step that selects several members or elements; keep it last");
    }
    if (text[at] === ".") {
      const name = NAME.exec(text.slice(at + 1))?.[0];
      if (!name) throw fail(`a name must follow the "." at position ${at + 1}`);
      steps.push({ kind: "name", name });
      at += 1 + name.length;
      continue;
    }
    if (text[at] !== "[") throw fail(`unexpected "${text[at]}" at position ${at + 1}; use .name or [...]`);
    const close = closingBracket(text, at);
    if (close < 0) throw fail(`the "[" at position ${at + 1} is never closed`);
    steps.push(bracketStep(text.slice(at + 1, close).trim(), fail));
    at = close + 1;
  }
  return {
    expression,
    identity: steps.length === 0,
    select: (value) => {
      let current = value;
      for (const step of steps) {
        const next = apply(step, current);
        if (!next.ok) return next;
        current = next.value;
      }
      return { ok: true, value: current };
    },
  };
}

const selectsSeveral = (step: Step): boolean =>
  step.kind === "names" ||
  step.kind === "all" ||
  (step.kind === "indexes" && (step.items.length > 1 || !("index" in (step.items[0] as IndexItem))));

/** The "]" that closes the "[" at `open`, skipping brackets inside quoted names. */
function closingBracket(text: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === "\\") i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "]") return i;
  }
  return -1;
}

function bracketStep(inner: string, fail: (why: string) => JsonPathSyntaxError): Step {
  if (inner === "*") return { kind: "all" };
  if (inner === "") throw fail("[] selects nothing; write [*], an index, a slice or a quoted name");
  if (inner.startsWith("'") || inner.startsWith('"')) {
    const names = quotedNames(inner, fail);
    return names.length === 1 ? { kind: "name", name: names[0] as string } : { kind: "names", names };
  }
  const items = inner.split(",").map((part) => indexItem(part.trim(), fail));
  return { kind: "indexes", items };
}

function quotedNames(inner: string, fail: (why: string) => JsonPathSyntaxError): string[] {
  const names: string[] = [];
  let rest = inner;
  for (;;) {
    const match = /^(['"])((?:\\.|(?!\1).)*)\1\s*/.exec(rest);
    if (!match) throw fail(`[${inner}] must list quoted names such as ['id','SageMakerOutput']`);
    names.push((match[2] as string).replace(/\\(.)/g, "$1"));
    rest = rest.slice(match[0].length);
    if (rest === "") return names;
    if (!rest.startsWith(",")) throw fail(`names in [${inner}] are separated by commas`);
    rest = rest.slice(1).trimStart();
  }
}

function indexItem(part: string, fail: (why: string) => JsonPathSyntaxError): IndexItem {
  if (INTEGER.test(part)) return { index: Number(part) };
  const slice = /^(-?\d+)?\s*:\s*(-?\d+)?$/.exec(part);
  if (!slice) throw fail(`"${part}" is neither an index (2) nor a slice (1:3, 1:, :2)`);
  const [, start, end] = slice;
  return {
    ...(start === undefined ? {} : { start: Number(start) }),
    ...(end === undefined ? {} : { end: Number(end) }),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const describe = (value: unknown): string =>
  Array.isArray(value)
    ? `a list of ${value.length}`
    : isObject(value)
      ? `an object with ${Object.keys(value).length ? Object.keys(value).slice(0, 8).join(", ") : "no members"}`
      : `the ${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;

function member(value: unknown, name: string): Selection {
  if (!isObject(value)) return { ok: false, why: `there is no member "${name}" in ${describe(value)}` };
  if (!Object.hasOwn(value, name))
    return { ok: false, why: `there is no member "${name}" in ${describe(value)}` };
  return { ok: true, value: value[name] };
}

function apply(step: Step, value: unknown): Selection {
  switch (step.kind) {
    case "name":
      return member(value, step.name);
    case "names": {
      const picked: Record<string, unknown> = {};
      for (const name of step.names) {
        const found = member(value, name);
        if (!found.ok) return found;
        picked[name] = found.value;
      }
      return { ok: true, value: picked };
    }
    case "all":
      if (Array.isArray(value)) return { ok: true, value: [...value] };
      if (isObject(value)) return { ok: true, value: Object.values(value) };
      return { ok: false, why: `[*] needs a list or an object, not ${describe(value)}` };
    case "indexes":
      return indexes(step.items, value);
  }
}

/** Python's rules: negative positions count from the end; slices are clamped, indexes must exist. */
function indexes(items: IndexItem[], value: unknown): Selection {
  if (!Array.isArray(value)) return { ok: false, why: `an index needs a list, not ${describe(value)}` };
  const length = value.length;
  const position = (index: number) => (index < 0 ? length + index : index);
  const only = items.length === 1 ? items[0] : undefined;
  const picked: unknown[] = [];
  for (const item of items) {
    if ("index" in item) {
      const at = position(item.index);
      if (at < 0 || at >= length) {
        return { ok: false, why: `index ${item.index} is outside ${describe(value)}` };
      }
      if (only) return { ok: true, value: value[at] };
      picked.push(value[at]);
    } else {
      const clamp = (index: number) => Math.min(Math.max(position(index), 0), length);
      picked.push(...value.slice(clamp(item.start ?? 0), clamp(item.end ?? length)));
    }
  }
  return { ok: true, value: picked };
}

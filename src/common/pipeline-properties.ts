import generated from "./pipeline-step-properties.json";

/**
 * Pipeline step properties, shared by local SageMaker (which checks references at CreatePipeline and reads them from
 * a job's Describe answer) and the toolkit's pipeline builder (which turns property accesses into the same paths).
 * A property path is what follows `Steps.<step>.` in a `Get`: members with dots, list items and map entries in
 * brackets, as the Python SDK writes them: `ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`,
 * `FinalMetricDataList['eval_accuracy'].Value`, `TrainingJobSummaries[0].TrainingJobName`.
 */

export type PropertyShape =
  | { type: "structure"; members: Record<string, string> }
  | { type: "list"; member: string }
  | { type: "map"; value: string };

const SHAPES = generated.shapes as unknown as Record<string, PropertyShape>;
const ROOTS = generated.roots as Record<string, string>;

/** The Describe answer whose members a step of this type exposes as properties, if it is one of those. */
export function stepPropertyRoot(stepType: string): string | undefined {
  return Object.hasOwn(ROOTS, stepType) ? ROOTS[stepType] : undefined;
}

/** A structure, list or map shape by name; undefined for a scalar kind ("string", "integer", ...). */
export function propertyShape(name: string): PropertyShape | undefined {
  return Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined;
}

export type PathSegment =
  | { kind: "member"; name: string }
  | { kind: "key"; key: string }
  | { kind: "index"; index: number };

const SEGMENT = /^(?:\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** `A.B['k'][0].C` → segments; undefined when the text is not a property path. */
export function parsePropertyPath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let rest = path;
  let first = true;
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match || (first && match[0].startsWith("."))) return undefined;
    if (match[1] !== undefined) segments.push({ kind: "member", name: match[1] });
    else if (match[2] !== undefined) segments.push({ kind: "index", index: Number(match[2]) });
    else segments.push({ kind: "key", key: (match[3] ?? match[4]) as string });
    rest = rest.slice(match[0].length);
    first = false;
  }
  return segments.length > 0 && segments[0]?.kind === "member" ? segments : undefined;
}

/** Segments → the path text the Python SDK writes. */
export function formatPropertyPath(segments: readonly PathSegment[]): string {
  return segments
    .map((segment, i) => {
      if (segment.kind === "member") return i === 0 ? segment.name : `.${segment.name}`;
      if (segment.kind === "index") return `[${segment.index}]`;
      return `['${segment.key}']`;
    })
    .join("");
}

/** Where a path leads in the shapes: the shape (or scalar kind) it ends on, or why it leads nowhere. */
export function followPropertyPath(
  root: string,
  segments: readonly PathSegment[],
): { ok: true; shape: string } | { ok: false; reason: string } {
  let current = root;
  for (const [i, segment] of segments.entries()) {
    const shape = propertyShape(current);
    const at = formatPropertyPath(segments.slice(0, i)) || "the step";
    if (!shape) {
      return { ok: false, reason: `${at} is a ${current}, which has no ${describeSegment(segment)}` };
    }
    if (shape.type === "structure") {
      if (segment.kind !== "member" || !Object.hasOwn(shape.members, segment.name)) {
        const names = Object.keys(shape.members);
        return {
          ok: false,
          reason: `${at} (${current}) has no ${describeSegment(segment)}; its members: ${names.join(", ")}`,
        };
      }
      current = shape.members[segment.name] as string;
    } else if (shape.type === "list") {
      if (segment.kind === "member") {
        return { ok: false, reason: `${at} is a list: index it with [0] or ['name'], not .${segment.name}` };
      }
      current = shape.member;
    } else {
      if (segment.kind !== "key") {
        return {
          ok: false,
          reason: `${at} is a map: read an entry with ['key'], not ${describeSegment(segment)}`,
        };
      }
      current = shape.value;
    }
  }
  return { ok: true, shape: current };
}

function describeSegment(segment: PathSegment): string {
  if (segment.kind === "member") return `member ${segment.name}`;
  if (segment.kind === "index") return `item [${segment.index}]`;
  return `entry ['${segment.key}']`;
}

/**
 * The member a list item is found by when a path names it with a string (`Outputs['train']`): the first member of
 * the item's structure whose name ends in "Name" (OutputName, InputName, ChannelName, MetricName, VariantName).
 */
export function listKeyMember(itemShape: string): string | undefined {
  const shape = propertyShape(itemShape);
  if (shape?.type !== "structure") return undefined;
  return Object.keys(shape.members).find((member) => member.endsWith("Name"));
}

/**
 * Reads a property from a Describe answer (JSON, Dates as ISO text), walking the shapes beside the value so a list
 * item named by a string is found by its key member. `missing` explains an absent value for a person.
 */
export function readPropertyValue(
  root: string,
  segments: readonly PathSegment[],
  answer: unknown,
): { ok: true; value: unknown } | { ok: false; missing: string } {
  let shapeName = root;
  let value: unknown = answer;
  for (const [i, segment] of segments.entries()) {
    const at = formatPropertyPath(segments.slice(0, i + 1));
    const shape = propertyShape(shapeName);
    if (value === undefined || value === null || !shape) return { ok: false, missing: at };
    if (shape.type === "structure" && segment.kind === "member") {
      value = (value as Record<string, unknown>)[segment.name];
      shapeName = shape.members[segment.name] ?? "";
    } else if (shape.type === "list" && Array.isArray(value)) {
      if (segment.kind === "index") value = value[segment.index];
      else if (segment.kind === "key") {
        const keyMember = listKeyMember(shape.member);
        value = keyMember
          ? value.find((item) => (item as Record<string, unknown> | null)?.[keyMember] === segment.key)
          : undefined;
      } else return { ok: false, missing: at };
      shapeName = shape.member;
    } else if (shape.type === "map" && segment.kind === "key") {
      value = (value as Record<string, unknown>)[segment.key];
      shapeName = shape.value;
    } else return { ok: false, missing: at };
  }
  if (value === undefined || value === null) return { ok: false, missing: formatPropertyPath(segments) };
  return { ok: true, value: value instanceof Date ? value.toISOString() : value };
}

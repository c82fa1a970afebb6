/** Just enough XML for S3: writing responses, and reading the two small request documents S3 takes. */

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (character) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[character]};`,
  );
}

export type XmlValue = string | number | boolean | Date | undefined | XmlNode | XmlNode[];
export interface XmlNode {
  [name: string]: XmlValue;
}

/** `{ Key: "a", Size: 3 }` → `<Key>a</Key><Size>3</Size>`; arrays repeat their parent's tag; undefined is left out. */
export function toXml(node: XmlNode): string {
  let out = "";
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) out += `<${name}>${renderValue(item)}</${name}>`;
  }
  return out;
}

function renderValue(value: Exclude<XmlValue, XmlNode[]>): string {
  if (value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return toXml(value);
  return escapeXml(String(value));
}

export function xmlDocument(root: string, node: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${toXml(node)}</${root}>`;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_match, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] as string;
  });
}

/**
 * Inner texts of every `<tag>` element (namespaced or not) in document order. Good for S3's flat request
 * documents (Delete, CompleteMultipartUpload), whose elements never nest inside one of the same name.
 */
export function xmlElements(xml: string, tag: string): string[] {
  const pattern = new RegExp(
    `<(?:[\\w-]+:)?${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</(?:[\\w-]+:)?${tag}>)`,
    "g",
  );
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? "");
}

export function xmlText(xml: string, tag: string): string | undefined {
  const value = xmlElements(xml, tag)[0];
  return value === undefined ? undefined : unescapeXml(value.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1"));
}

/** Each expression replaced by a value of the kind the request member wants (text, or a number where one is). */
export function withPlaceholders(value: unknown, key = ""): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && ["Get", "Std:Join", "Std:JsonGet"].includes(keys[0] as string)) {
      return /Count|Seconds|Size/.test(key) ? 1 : "s3://bucket/placeholder";
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, k)]));
  }
  if (Array.isArray(value)) return value.map((item) => withPlaceholders(item, key));
  return value;
}

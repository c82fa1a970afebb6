/** Label bookkeeping: the data's label values in a stable order, and the names predictions report. */

/** Distinct label values, numerically ordered when all are numbers ("0" < "1" < "10"), else by code point. */
export function orderLabels(labels: readonly string[]): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => l.trim() !== "" && Number.isFinite(Number(l)));
  return numeric
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function labelMaps(
  dataLabels: readonly string[],
  names: Record<string, string> | undefined,
): { id2label: Record<string, string>; label2id: Record<string, number> } {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  dataLabels.forEach((value, id) => {
    const name = names?.[value] ?? value;
    if (name in label2id) {
      throw new Error(`labelNames gives two labels the same name "${name}"; names must be distinct.`);
    }
    id2label[String(id)] = name;
    label2id[name] = id;
  });
  return { id2label, label2id };
}

/**
 * How a service meets the wire: its binding is a table from AWS operation names to plain calls of its typed API
 * (`CreateModel: (input: CreateModelInput) => hosting.createModel(input)`). The protocol layer reads and checks the
 * request against the service's Smithy shapes, calls the entry, and writes what it returns; the service never sees
 * a header, and knows nothing of the protocol its binding is served over.
 */
export type OperationTable = Readonly<Record<string, (input: never) => unknown>>;

/** Calls a binding entry with an input the protocol layer has read and checked against the operation's shape. */
export function callOperation(table: OperationTable, operation: string, input: unknown): unknown {
  const entry = Object.hasOwn(table, operation) ? table[operation] : undefined;
  if (!entry) throw new Error(`the binding has no operation ${operation}`);
  return (entry as (input: unknown) => unknown)(input);
}

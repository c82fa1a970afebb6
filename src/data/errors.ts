/**
 * A problem with a dataset file that the user can fix. The message always names the file, what is wrong
 * with it and what to do, so a notebook can show it as is.
 */
export class DatasetError extends Error {
  override readonly name = "DatasetError";

  constructor(
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
  }
}

/** A download or a local NSMC copy that cannot be used; the message says how to get a good copy. */
export class NsmcUnavailableError extends Error {
  override readonly name = "NsmcUnavailableError";
}

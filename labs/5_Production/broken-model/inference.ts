/**
 * Lab 5.2's broken green model (local SageMaker): every prediction fails as a server error. The toolkit answers a
 * handler's exception with 400, the caller's fault, unless the error says otherwise; this one carries `status: 500`,
 * the model's fault, so SageMaker counts it in Invocation5XXErrors and the 5XX alarm sees it. The model itself
 * (config.json and weights.bin at the archive's root) loads as usual: the fleet starts and passes its health check,
 * as a bad release does.
 */
export function predictFn(): never {
  throw Object.assign(new Error("green model v2 is broken: predictFn failed"), { status: 500 });
}

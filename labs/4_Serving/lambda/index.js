// Lab 4.4's Lambda handler: the workshop's Korean sentiment classifier behind an API-Gateway-style answer.
// The model loads once per execution environment, outside the handler: that is the cold start's Init Duration.
const { join } = require("node:path");
const { loadModelDir } = require("./classifier/artifact.js");

const model = loadModelDir(join(__dirname, "model"));

const answer = (statusCode, body) => ({
  statusCode,
  headers: { "Content-Type": "application/json; charset=utf-8" },
  body: JSON.stringify(body),
});

/** `event.body` (API Gateway: a JSON string) or the event itself carries `{"inputs": "리뷰" | ["리뷰", ...]}`. */
exports.handler = async (event) => {
  let request = event;
  if (typeof event.body === "string") {
    try {
      request = JSON.parse(event.body);
    } catch {
      return answer(400, { error: "The body is not JSON." });
    }
  }
  const inputs = request?.inputs;
  const texts = Array.isArray(inputs) ? inputs : [inputs];
  if (inputs === undefined || !texts.every((text) => typeof text === "string")) {
    return answer(400, { error: 'Send {"inputs": "리뷰"} or {"inputs": ["리뷰", ...]}.' });
  }
  // For the lab: a handler error (X-Amz-Function-Error) and a slow call that runs into the function's Timeout.
  if (request.fail) throw new Error(`requested failure: ${request.fail}`);
  if (request.delayMs) await new Promise((resolve) => setTimeout(resolve, request.delayMs));
  const predictions = model.classify(texts).map((p) => ({ label: p.label, score: p.score }));
  return answer(200, Array.isArray(inputs) ? predictions : predictions[0]);
};

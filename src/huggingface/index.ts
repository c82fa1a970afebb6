/** Hugging Face Inference Endpoints: the client the labs use next to the SageMaker toolkit. */
export * from "./inference-endpoints";

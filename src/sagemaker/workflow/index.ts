/** The pipeline builder: the Python SDK's `sagemaker.workflow` vocabulary over the AWS SDK's pipeline commands. */
export * from "./conditions";
export * from "./graph";
export * from "./pipeline";
export * from "./steps";
export * from "./variables";

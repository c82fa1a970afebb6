/**
 * The shared helper module: everything a notebook imports comes from here (`import ... from "ko-sagemaker"`):
 * data, the Korean classifier, display helpers, the SageMaker toolkit and the labs' plans. It loads no part of the
 * local SageMaker server and registers no hooks on import (`cleanupOnShutdown` does, when a lab calls it); the
 * server is its own entry (`ko-sagemaker/local`, `npm run local`).
 */

export { type ParticlePair, particle, withParticle } from "./common/josa";
export * from "./data";
export * from "./huggingface";
export * from "./labs";
export * from "./model";
export * from "./notebook";
export * from "./sagemaker";

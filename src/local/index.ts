/** What the rest of the project uses of local SageMaker: start it, find it, stop it. */
export {
  ensureLocalSageMaker,
  type LocalSageMakerHealth,
  localSageMakerHealth,
  localSageMakerUrl,
  stopLocalSageMaker,
} from "./launcher";
export { DEFAULT_LOCAL_PORT, type LocalServer, startLocalServer } from "./server";

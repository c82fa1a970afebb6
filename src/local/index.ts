/**
 * Local SageMaker, the server (`ko-sagemaker/local`): start it in a process of your own. Notebooks and scripts do
 * not need this: the toolkit (`import ... from "ko-sagemaker"`) starts or finds a server by itself, in the
 * background, without loading any of this.
 */
export { DEFAULT_LOCAL_PORT, type LocalServer, type LocalServerOptions, startLocalServer } from "./server";
export { type LocalSettings, loadSettings, SettingsError } from "./settings";

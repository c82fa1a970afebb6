import type { ConsolePage } from "../page";
import { dataPages } from "./data";
import { endpointPages, modelPages } from "./hosting";
import { trainingPages, transformPages } from "./jobs";
import { lambdaPages } from "./lambda";
import { overviewPage } from "./overview";
import { pipelinePages, registryPages } from "./pipelines";
import { experimentPages, processingPages } from "./processing";

/**
 * The page registry: every page of the console, in navigation order. A page is a module under pages/ whose id
 * names the server's view of the same id (../../pages.ts); register it here and it is routed and in the menu.
 */
export const PAGES: ConsolePage[] = [
  overviewPage,
  ...trainingPages,
  ...processingPages,
  ...transformPages,
  ...experimentPages,
  ...pipelinePages,
  ...registryPages,
  ...modelPages,
  ...endpointPages,
  ...lambdaPages,
  ...dataPages,
];

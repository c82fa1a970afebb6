/** What notebooks import for display, knobs, progress and the setup/warm-up labs; the runner and kernel installer are scripts. */
export {
  canonicalKorean,
  type FeatureVocabulary,
  featureCoverage,
  featureVocabulary,
  jaccardSimilarity,
  syllableNgrams,
  whitespaceWords,
} from "./korean-text";
export { showMarkdown } from "./markdown";
export { isQuickRun, labParam } from "./params";
export { type PlotFigure, showPlot } from "./plot";
export { type ProgressBar, progressBar } from "./progress";
export {
  buildReadiness,
  dataReadiness,
  fontReadiness,
  installedPackageVersion,
  kernelReadiness,
  modeReadiness,
  nodeReadiness,
  nsmcChecksumReadiness,
  packageReadiness,
  RECOMMENDED_NODE_MAJORS,
  type ReadinessCheck,
  WORKSHOP_PACKAGES,
  workshopReadiness,
} from "./readiness";
export { type CleanupOnShutdownOptions, cleanupOnShutdown, inTslabKernel } from "./shutdown-cleanup";
export { type ShowTableOptions, shortText, showTable } from "./table";

/** Data: NSMC download and loading, custom datasets, cleaning and splitting, writers, exploration helpers. */

export { knobPathCandidates, resolveKnobPath, whereLooked } from "../common/knob-path";
export type { ChecksumVerdict } from "./checksums";
export { NSMC_DEFAULT_BASE_URL, NSMC_FILES, sha256OfFile, verifyChecksum } from "./checksums";
export type { CleanOptions, CleanReport, ReviewRow } from "./clean";
export { cleanReviews, normaliseReviewText, stratifiedSample, stratifiedSplit } from "./clean";
export type { CorpusFacts, RepeatedText, ReviewCorpus, SplitFacts } from "./corpus";
export { corpusFacts, loadReviewCorpus, repeatedTexts, subsetDataset } from "./corpus";
export type { CustomDatasetChoice, CustomDatasetDefaults } from "./custom";
export { customDatasetChoice, loadCustomDataset } from "./custom";
export type { DownloadOptions, DownloadProgress } from "./download";
export { downloadVerified } from "./download";
export { DatasetError, NsmcUnavailableError } from "./errors";
export type { DistinctiveNgram, LabelShare, LengthHistogram, NgramOptions } from "./explore";
export {
  danfojs,
  distinctiveNgrams,
  labelBalance,
  lengthHistogram,
  markSpaces,
  textLengths,
  toDataFrame,
} from "./explore";
export type { DatasetFormat, LabelledDataset, LoadDatasetOptions } from "./load";
export { LABEL_COLUMN_CANDIDATES, loadDataset, TEXT_COLUMN_CANDIDATES } from "./load";
export type { FetchNsmcOptions, NsmcFetchEvent, NsmcFileCheck, NsmcLocation, NsmcRow } from "./nsmc";
export {
  fetchNsmc,
  locateNsmc,
  NSMC_REPAIR,
  nsmcAbsenceBilingual,
  nsmcAbsenceKorean,
  nsmcAbsenceReason,
  nsmcDataset,
  readNsmc,
  verifyNsmcCopy,
} from "./nsmc";
export type { DataFolders, PreparedDataPaths } from "./paths";
export { dataFolders, displayPath, preparedDataPaths, sampleReviewsPath, workshopRoot } from "./paths";
export type {
  EnsuredPreparedData,
  PreparedData,
  PreparedSplitCounts,
  PreparedSplits,
  PrepareOptions,
} from "./prepare";
export {
  datasetRows,
  ensurePreparedData,
  labelCounts,
  PREPARE_STEPS,
  preparedDataNote,
  preparedManifestPath,
  prepareNsmc,
  prepareSplits,
  readPreparedManifest,
} from "./prepare";
export type { DataUse } from "./usage";
export { dataUses, describeDataUses, recordDataUse } from "./usage";
export type { TextLabelRow } from "./write";
export { tsvSafe, writeCsv, writeJsonl, writeTsv } from "./write";

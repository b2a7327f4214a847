// Public API of the diagnostic engine (pure, synchronous; depends only on src/domain).
export { diagnose, evaluate, explain, FIRE_THRESHOLD, type DiagnoseOptions, type Scored } from './engine.js';
export { learnBaseline, isBaseline, type Baseline, type ChannelStat } from './baseline.js';
export { DiagnosisStream, type DiagnosisStreamOptions } from './stream.js';
export { CODE_INFO, categoryOf, type CodeInfo } from './codes.js';
export {
  resolveWell,
  flowAtBase,
  currentAtBase,
  currentAtFrequency,
  torqueAtBase,
  noLoadCurrent,
  isStopped,
  usefulMinFrequency,
  NO_LOAD_FRACTION,
  type WellParams,
} from './physics.js';
export {
  learnReference,
  computeTrends,
  forecastWell,
  analyseTrends,
  judgeSlow,
  trendFindings,
  REFERENCE_DAYS,
  TREND_ALPHA,
  type Reference,
  type ReferenceOptions,
  type ReferenceStat,
  type TrendOptions,
  type ForecastOptions,
  type SlowFinding,
} from './trends.js';
export { diagnoseHistory, type HistoryOptions, type HistoryDiagnosis } from './history.js';
export { mannKendall, theilSen, normalCdf } from './trendstats.js';

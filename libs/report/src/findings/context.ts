import type { RunGroup } from '../aggregate.js';
import type { ReportOptions } from '../options.js';
import type { BootstrapSettings } from '../paired-bootstrap.js';
import type { ModelInfo, StudyResults } from '../schema.js';
import type { Comparison } from './comparison.js';

/** What every statement is evaluated from. */
export interface StatementContext {
  results: StudyResults;
  groups: RunGroup[];
  options: ReportOptions;
  models: Map<string, ModelInfo>;
  bootstrap: BootstrapSettings;
  /** e.g. "95%". */
  levelText: string;
  /** Parameters of a model, from its runs (undefined when it has none). */
  paramsOf: (model: string) => number | undefined;
}

/** A statement's rule and the comparisons it is judged on; `missing` says what is needed when there are none. */
export interface StatementResult {
  criterion: string;
  comparisons: Comparison[];
  missing: string;
}

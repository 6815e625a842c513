/**
 * Published MedMNIST v2 results, shown only in the clearly marked "published" cells and tables of the report.
 * Only numbers we hold a source for are here (../shared/data/README.md quotes them); datasets without an entry
 * simply have no published rows.
 */

export interface PublishedRow {
  /** The method as the source names it, e.g. 'ResNet-50 (28)' (input resolution in brackets). */
  method: string;
  /** Test AUC and ACC as fractions, as published (three decimals). */
  auc: number;
  acc: number;
}

export interface PublishedDataset {
  /** As the source spells it, e.g. 'RetinaMNIST'. */
  name: string;
  /** What the rows measure, so they are set beside a task of the same kind only. */
  kind: 'multiclass';
  classes: number;
  metrics: string;
  rows: readonly PublishedRow[];
}

export interface PublishedSuite {
  name: string;
  /** Citation of the rows, printed in every caption that shows one of them. */
  source: string;
  /** The test split the rows were measured on (a task's `benchmark` states that its test set is this split). */
  split: string;
  /** Every method name the suite uses (checks `model.benchmarkModel` for typos). */
  methods: readonly string[];
  /** By MedMNIST's dataset flag (lower case), e.g. `retinamnist`. */
  datasets: Readonly<Record<string, PublishedDataset>>;
}

export const medmnistV2: PublishedSuite = {
  name: 'MedMNIST v2',
  source:
    'J. Yang et al., "MedMNIST v2 — A large-scale lightweight benchmark for 2D and 3D biomedical image classification", ' +
    'Scientific Data 10, 41 (2023), table of 2D results',
  split: 'the official MedMNIST v2 test split',
  methods: [
    'ResNet-18 (28)',
    'ResNet-50 (28)',
    'ResNet-18 (224)',
    'ResNet-50 (224)',
    'auto-sklearn',
    'AutoKeras',
    'Google AutoML Vision',
  ],
  datasets: {
    retinamnist: {
      name: 'RetinaMNIST',
      kind: 'multiclass',
      classes: 5,
      metrics: 'test macro one-vs-rest AUC and accuracy, 5-class DR grading',
      rows: [
        { method: 'ResNet-18 (28)', auc: 0.717, acc: 0.524 },
        { method: 'ResNet-50 (28)', auc: 0.726, acc: 0.528 },
        { method: 'ResNet-18 (224)', auc: 0.71, acc: 0.493 },
        { method: 'ResNet-50 (224)', auc: 0.716, acc: 0.511 },
        { method: 'auto-sklearn', auc: 0.69, acc: 0.515 },
        { method: 'AutoKeras', auc: 0.719, acc: 0.503 },
        { method: 'Google AutoML Vision', auc: 0.75, acc: 0.531 },
      ],
    },
  },
};

// The best evaluation so far by one history metric. Early stopping counts evaluations since it improved;
// keepBest (and early stopping's restoreBest) also keeps that evaluation's weights to return at the end.
import { TrainError } from '../errors.js';
import type { TrackerState } from './resume.js';
import type { FloatTensor } from './tensors.js';

export interface Monitor {
  monitor: string;
  mode: 'min' | 'max';
  minDelta: number;
}

export interface BestEvaluation {
  value: number;
  step: number;
  epoch: number;
  metrics: Record<string, number>;
  /** Present when the tracker keeps weights. */
  weights?: Record<string, FloatTensor>;
}

export class BestTracker {
  best: BestEvaluation | undefined;
  /** Evaluations since the best one. */
  sinceBest = 0;

  /** `option` names the setting in error messages ('keepBest', 'earlyStopping'). */
  constructor(
    readonly config: Monitor,
    private readonly option: string,
  ) {}

  /**
   * Offers an evaluation; returns whether it became the best. `snapshot` (called only then) takes the weights
   * to keep. NaN values (e.g. an AUC with one class present) never win.
   */
  offer(
    metrics: Record<string, number>,
    step: number,
    epoch: number,
    snapshot?: () => Record<string, FloatTensor>,
  ): boolean {
    const { monitor, mode, minDelta } = this.config;
    const value = metrics[monitor];
    if (value === undefined) {
      throw new TrainError(
        'TRAIN_BAD_OPTIONS',
        `${this.option}.monitor '${monitor}' is not a history metric (have: ${Object.keys(metrics).join(', ')})`,
      );
    }
    const b = this.best;
    const improved =
      Number.isFinite(value) &&
      (b === undefined || (mode === 'max' ? value > b.value + minDelta : value < b.value - minDelta));
    if (!improved) {
      this.sinceBest++;
      return false;
    }
    this.best = { value, step, epoch, metrics };
    if (snapshot) this.best.weights = snapshot();
    this.sinceBest = 0;
    return true;
  }

  /** The tracker's state for a resume checkpoint (the kept weights travel separately). */
  exportState(): TrackerState {
    const b = this.best;
    const out: TrackerState = { sinceBest: this.sinceBest };
    if (b)
      out.best = {
        value: b.value,
        step: b.step,
        epoch: b.epoch,
        metrics: b.metrics,
        hasWeights: b.weights !== undefined,
      };
    return out;
  }

  importState(state: TrackerState, weights: Record<string, FloatTensor> | undefined): void {
    this.sinceBest = state.sinceBest;
    this.best = undefined;
    if (state.best) {
      const { hasWeights, ...best } = state.best;
      this.best = best;
      if (hasWeights) {
        if (!weights)
          throw new TrainError(
            'TRAIN_BAD_CHECKPOINT',
            `resume checkpoint: the ${this.option} best evaluation's weights are missing`,
          );
        this.best.weights = weights;
      }
    }
  }
}

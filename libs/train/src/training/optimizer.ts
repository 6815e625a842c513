// Adam and SGD with momentum, written out so the learning rate can change every step and weight decay is
// decoupled (AdamW-style: w -= lr * wd * w, applied to conv/dense kernels only, not to biases or BN).
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { type AdamInPlaceParam, nativeAdamInPlace, nativeAdamStep } from '../backend/native-kernels.js';
import type { optimizerSchema } from '../options/optimizer.js';
import type { FloatTensor } from './tensors.js';

type Parsed = z.output<typeof optimizerSchema>;

export interface Param {
  name: string;
  variable: tf.Variable;
  /** Decay applies to kernels (rank >= 2), not to biases, BN scale/offset. */
  decay: boolean;
}

/** Everything the optimiser carries between steps: the step count (Adam's bias correction) and its slots per param. */
export interface OptimizerState {
  t: number;
  /** Adam: [m, v]; SGD: [momentum buffer]. Params that never had a gradient have no entry. */
  slots: Record<string, FloatTensor[]>;
}

export class Optimizer {
  private readonly slots = new Map<string, tf.Variable[]>();
  private t = 0;

  constructor(private readonly config: Parsed) {}

  get baseLr(): number {
    return this.config.lr;
  }

  /** Applies one update with learning rate `lr` to every param that has a gradient. */
  apply(params: readonly Param[], grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const c = this.config;
    if (c.type === 'adam' && this.adamInPlace(params, grads, lr)) return;
    tf.tidy(() => {
      for (const p of params) {
        const g = grads[p.variable.name];
        if (!g) continue;
        const w = p.variable;
        let slots = this.slots.get(p.name);
        if (!slots) {
          const n = c.type === 'adam' ? 2 : 1;
          slots = Array.from({ length: n }, () => tf.variable(tf.zerosLike(w), false));
          this.slots.set(p.name, slots);
        }
        let step: tf.Tensor;
        if (c.type === 'adam') {
          const [m, v] = slots as [tf.Variable, tf.Variable];
          // With the native kernels on wasm: the same update in one pass (bit-identical; test/native-kernels.test.ts).
          const decay = p.decay && c.weightDecay > 0 ? lr * c.weightDecay : 0;
          const fused = nativeAdamStep(w, g, m, v, this.adamConstants(c, lr, decay));
          if (fused) {
            m.assign(fused[1]);
            v.assign(fused[2]);
            w.assign(fused[0]);
            continue;
          }
          m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
          v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
          const mHat = tf.div(m, 1 - c.beta1 ** this.t);
          const vHat = tf.div(v, 1 - c.beta2 ** this.t);
          step = tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon));
        } else {
          const [buf] = slots as [tf.Variable];
          buf.assign(tf.add(tf.mul(buf, c.momentum), g));
          step = c.nesterov ? tf.add(g, tf.mul(buf, c.momentum)) : buf;
        }
        let next = tf.sub(w, tf.mul(step, lr));
        if (p.decay && c.weightDecay > 0) next = tf.sub(next, tf.mul(w, lr * c.weightDecay));
        w.assign(next);
      }
    });
  }

  /** Adam for all parameters in one native call (the native backend, once the slots exist); false if not taken. */
  private adamInPlace(params: readonly Param[], grads: Record<string, tf.Tensor>, lr: number): boolean {
    const c = this.config;
    if (c.type !== 'adam') return false;
    const list: AdamInPlaceParam[] = [];
    for (const p of params) {
      const g = grads[p.variable.name];
      const slots = this.slots.get(p.name);
      if (!g) continue;
      if (!slots) return false;
      list.push({ w: p.variable, g, m: slots[0]!, v: slots[1]!, decay: p.decay && c.weightDecay > 0 });
    }
    const decay = c.weightDecay > 0 ? lr * c.weightDecay : 0;
    return nativeAdamInPlace(list, this.adamConstants(c, lr, decay));
  }

  /** The native Adam kernels' constants at this step (see nativeAdamStep); `decay` is lr × weight decay, or 0. */
  private adamConstants(c: Extract<Parsed, { type: 'adam' }>, lr: number, decay: number): number[] {
    return [
      c.beta1,
      1 - c.beta1,
      c.beta2,
      1 - c.beta2,
      1 - c.beta1 ** this.t,
      1 - c.beta2 ** this.t,
      c.epsilon,
      lr,
      decay,
    ];
  }

  /** A copy of the state, for a resumable checkpoint. */
  exportState(): OptimizerState {
    const slots: Record<string, FloatTensor[]> = {};
    for (const [name, vars] of this.slots) {
      slots[name] = vars.map((v) => ({ dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array }));
    }
    return { t: this.t, slots };
  }

  /** Replaces the state with one from `exportState` (of an optimiser with the same config). */
  importState(state: OptimizerState): void {
    this.dispose();
    this.t = state.t;
    for (const [name, tensors] of Object.entries(state.slots)) {
      this.slots.set(
        name,
        tf.tidy(() => tensors.map((s) => tf.variable(tf.tensor(s.data, s.shape, 'float32'), false))),
      );
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.forEach((v) => v.dispose());
    this.slots.clear();
  }
}

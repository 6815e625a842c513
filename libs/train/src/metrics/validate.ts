import { TrainError } from '../errors.js';

export type NumArray = ArrayLike<number>;

export function requireSameLength(what: string, a: NumArray, b: NumArray, aName = 'scores', bName = 'labels'): void {
  if (a.length !== b.length) {
    throw new TrainError('METRIC_BAD_INPUT', `${what}: ${aName} has ${a.length} entries but ${bName} has ${b.length}`);
  }
}

export function requireFinite(what: string, a: NumArray, name: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!))
      throw new TrainError('METRIC_BAD_INPUT', `${what}: ${name}[${i}] is ${a[i]} (expected a finite number)`);
  }
}

export function requireBinary(what: string, a: NumArray, name: string): void {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== 0 && a[i] !== 1)
      throw new TrainError('METRIC_BAD_INPUT', `${what}: ${name}[${i}] is ${a[i]} (expected 0 or 1)`);
  }
}

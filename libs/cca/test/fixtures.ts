import { matrix, type ConvActivations, type Matrix } from '../src/index.js';
import { add, columns, integers, matMul, uniform } from './helpers.js';

/** The deterministic fixtures of the research note §9.1, regenerated bit-exactly. */
export function fixture(name: string): { x: Matrix; y: Matrix } {
  switch (name) {
    case 'indep':
      return { x: uniform(1, 2000, 32), y: uniform(2, 2000, 24) };
    case 'mixed': {
      const x = uniform(3, 1000, 16);
      return { x, y: add(matMul(x, integers(4, 16, 12)), uniform(5, 1000, 12)) };
    }
    case 'invertible': {
      const x = uniform(6, 500, 10);
      return { x, y: matMul(x, integers(7, 10, 10)) };
    }
    case 'signed_perm_scaled': {
      const x = uniform(8, 400, 12);
      const perm = [3, 0, 7, 1, 11, 5, 9, 2, 10, 4, 8, 6];
      const sign = [1, -1, 1, 1, -1, 1, -1, 1, 1, -1, 1, -1];
      const y = columns(x, perm);
      const data = Float64Array.from(y.data, (v, i) => 2 * v * sign[i % 12]! + 0.25);
      return { x, y: matrix(400, 12, data) };
    }
    case 'dead_and_duplicate': {
      const v = uniform(9, 600, 8);
      const x = columns(v, [0, 1, 2, 3, -1, 4, 5, 6, 7, 2, -1], 0.375);
      const z = uniform(10, 600, 6);
      const y = add(columns(v, [0, 1, 2, -2, -2, -2]), z);
      return { x, y };
    }
    default:
      throw new Error(`unknown fixture ${name}`);
  }
}

/** conv_nhwc: A = U(11; 1024×8) as (64,4,4,8); B = A·I(12; 8×6) + U(13; 1024×6) as (64,4,4,6). */
export function convFixture(): { a: ConvActivations; b: ConvActivations } {
  const a = uniform(11, 1024, 8);
  const b = add(matMul(a, integers(12, 8, 6)), uniform(13, 1024, 6));
  return {
    a: { data: a.data, shape: [64, 4, 4, 8], layout: 'NHWC' },
    b: { data: b.data, shape: [64, 4, 4, 6], layout: 'NHWC' },
  };
}

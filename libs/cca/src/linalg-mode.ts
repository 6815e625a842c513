import { z } from 'zod';

/**
 * Where the float64 Gram products and decompositions run: 'native' = OpenBLAS/LAPACK through @transfusion/native
 * (an error if it is not built), 'typescript' = this library's own kernels and worker threads, 'auto' (default) =
 * native when available, else TypeScript with a one-time notice. TRANSFUSION_NATIVE=0 forces TypeScript,
 * TRANSFUSION_NATIVE=1 makes 'auto' require native.
 */
export const LINALG_MODES = ['auto', 'native', 'typescript'] as const;
export type LinalgMode = (typeof LINALG_MODES)[number];
export const linalgModeSchema = z.enum(LINALG_MODES);

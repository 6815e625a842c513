import { z } from 'zod';

/** Task id used in the report (e.g. `retina`, `chexpert`, `natural`); the dataset artifact decides the labels. */
export const taskIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lowercase id');

import type { BenchmarkSuite, Task } from '../schema.js';
import { medmnistV2, type PublishedDataset, type PublishedSuite } from './medmnist-v2.js';

export const publishedSuites: Readonly<Record<BenchmarkSuite, PublishedSuite>> = { 'medmnist-v2': medmnistV2 };

/** The published rows for a task's benchmark, or undefined when none are on file for its dataset. */
export function publishedDataset(benchmark: NonNullable<Task['benchmark']>): PublishedDataset | undefined {
  return publishedSuites[benchmark.suite].datasets[benchmark.dataset.toLowerCase()];
}

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ArrowFileError, type ArrowFileErrorCode } from '../src/index.js';

/** A fresh temp folder per test file, removed afterwards. */
export function useTempDir(): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arrow-io-test-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Asserts fn throws an ArrowFileError with `code` whose message names `file`. */
export function expectArrowError(
  fn: () => unknown,
  code: ArrowFileErrorCode | ArrowFileErrorCode[],
  file: string,
): ArrowFileError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  return checkArrowError(caught, code, file);
}

export async function expectArrowErrorAsync(
  fn: () => Promise<unknown>,
  code: ArrowFileErrorCode | ArrowFileErrorCode[],
  file: string,
): Promise<ArrowFileError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  return checkArrowError(caught, code, file);
}

function checkArrowError(
  caught: unknown,
  code: ArrowFileErrorCode | ArrowFileErrorCode[],
  file: string,
): ArrowFileError {
  expect(caught, 'expected an ArrowFileError').toBeInstanceOf(ArrowFileError);
  const err = caught as ArrowFileError;
  expect([code].flat()).toContain(err.code);
  expect(err.file).toBe(file);
  expect(err.message).toContain(file);
  return err;
}

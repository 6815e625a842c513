import { readFile } from 'node:fs/promises';
import { DataError } from './errors.js';

/** The bytes of `file`, or DATA_NOT_FOUND naming the file, what it was to be read as (`what`) and the OS error code. */
export async function readFileBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        file,
        cause: e,
      },
    );
  }
}

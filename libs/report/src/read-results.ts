// Study results from a file: the StudyResults JSON a study writes, or the results.json of an earlier report build
// (whose `input` is re-rendered, e.g. with other criteria).
import { readFile } from 'node:fs/promises';
import { ReportError } from './errors.js';
import type { StudyResults } from './schema.js';
import { parseStudyResults } from './validate.js';

/** Reads and validates study results; an unreadable, non-JSON or invalid file is a ReportError naming it. */
export async function readStudyResults(file: string): Promise<StudyResults> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ReportError(`cannot read ${file}: ${(e as Error).message}`, 'invalid-results', file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: not valid JSON: ${(e as Error).message}`, 'invalid-results', file);
  }
  const o = json as { generator?: unknown; input?: unknown };
  const input =
    o && typeof o === 'object' && o.generator === '@transfusion/report' && o.input !== undefined ? o.input : json;
  return parseStudyResults(input, file);
}

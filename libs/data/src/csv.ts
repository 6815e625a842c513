import { readFile } from 'node:fs/promises';
import { DataError } from './errors.js';

export interface CsvRow {
  /** 1-based line number where the record starts (header = line 1). */
  line: number;
  /** Cells by header name. */
  cells: Record<string, string>;
}

export interface CsvTable {
  file: string;
  header: string[];
  rows: CsvRow[];
}

/**
 * RFC 4180 CSV: quoted cells with "" escapes and embedded newlines, CRLF or LF, optional UTF-8 BOM.
 * Cells stay strings (a blank stays "", "-1.0" stays "-1.0"): label parsing is explicit elsewhere.
 * A row with a different number of cells than the header is an error naming file and line.
 */
export function parseCsv(text: string, file = '<csv>'): CsvTable {
  const records = tokenize(text, file);
  if (records.length === 0)
    throw new DataError('DATA_BAD_CSV', `${file}: empty file, expected a header line`, { file });
  const header = records[0]!.cells.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h))
      throw new DataError('DATA_BAD_CSV', `${file}:1: duplicate column "${h}"`, { file, row: 1, field: h });
    seen.add(h);
  }
  const rows: CsvRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.cells.length === 1 && rec.cells[0] === '') continue; // blank line
    if (rec.cells.length !== header.length) {
      throw new DataError(
        'DATA_BAD_CSV',
        `${file}:${rec.line}: expected ${header.length} cells (as in the header), got ${rec.cells.length}`,
        { file, row: rec.line },
      );
    }
    const cells: Record<string, string> = {};
    header.forEach((h, i) => (cells[h] = rec.cells[i]!));
    rows.push({ line: rec.line, cells });
  }
  return { file, header, rows };
}

export async function readCsv(file: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(
      'DATA_NOT_FOUND',
      `${file}: cannot read CSV index (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file, cause: e },
    );
  }
  return parseCsv(text, file);
}

/** Throws DATA_MISSING_COLUMN unless every named column is in the header. */
export function requireColumns(table: CsvTable, columns: readonly string[]): void {
  const missing = columns.filter((c) => !table.header.includes(c));
  if (missing.length) {
    throw new DataError(
      'DATA_MISSING_COLUMN',
      `${table.file}: missing column(s) ${missing.map((m) => `"${m}"`).join(', ')}; header is ${table.header.map((h) => `"${h}"`).join(', ')}`,
      {
        file: table.file,
        field: missing[0],
      },
    );
  }
}

function tokenize(text: string, file: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let cells: string[] = [];
  let cell = '';
  let recordLine = 1;
  let quoted = false;
  let cellStarted = false;
  const n = text.length;
  if (i >= n) return out;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new DataError('DATA_BAD_CSV', `${file}:${line}: unexpected character after closing quote`, {
            file,
            row: line,
          });
        }
        continue;
      }
      if (ch === '\n') line++;
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && !cellStarted) {
      quoted = true;
      cellStarted = true;
      i++;
      continue;
    }
    if (ch === ',') {
      cells.push(cell);
      cell = '';
      cellStarted = false;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      cells.push(cell);
      out.push({ line: recordLine, cells });
      cells = [];
      cell = '';
      cellStarted = false;
      if (ch === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
      continue;
    }
    cell += ch;
    cellStarted = true;
    i++;
  }
  if (quoted)
    throw new DataError('DATA_BAD_CSV', `${file}:${recordLine}: unterminated quoted cell`, { file, row: recordLine });
  if (cellStarted || cells.length > 0 || cell !== '') {
    cells.push(cell);
    out.push({ line: recordLine, cells });
  }
  return out;
}

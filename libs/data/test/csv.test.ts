import { describe, expect, it } from 'vitest';
import { parseCsv, requireColumns } from '../src/csv.js';
import { DataError } from '../src/errors.js';

describe('parseCsv', () => {
  it('keeps blanks and label strings as they are, with line numbers', () => {
    const t = parseCsv(
      '\ufeffPath,Sex,Cardiomegaly\r\na.jpg,Male,1.0\r\nb.jpg,Female,\r\nc.jpg,Unknown,-1.0\r\n',
      'x.csv',
    );
    expect(t.header).toEqual(['Path', 'Sex', 'Cardiomegaly']);
    expect(t.rows.map((r) => [r.line, r.cells['Cardiomegaly']])).toEqual([
      [2, '1.0'],
      [3, ''],
      [4, '-1.0'],
    ]);
  });

  it('handles quoted cells with commas, escaped quotes and newlines', () => {
    const t = parseCsv('a,b\n"x, y","say ""hi"""\n"multi\nline",2\nlast,3', 'q.csv');
    expect(t.rows[0]!.cells).toEqual({ a: 'x, y', b: 'say "hi"' });
    expect(t.rows[1]!.cells['a']).toBe('multi\nline');
    expect(t.rows[2]!.line).toBe(5);
    expect(t.rows[2]!.cells['b']).toBe('3');
  });

  it('names file and line for a row with the wrong number of cells', () => {
    try {
      parseCsv('a,b\n1,2\n1,2,3\n', 'bad.csv');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).code).toBe('DATA_BAD_CSV');
      expect((e as DataError).message).toBe('bad.csv:3: expected 2 cells (as in the header), got 3');
    }
  });

  it('rejects unterminated quotes, duplicate headers and empty files', () => {
    expect(() => parseCsv('a\n"oops\n', 'u.csv')).toThrow(/u\.csv:2: unterminated quoted cell/);
    expect(() => parseCsv('a,a\n1,2', 'd.csv')).toThrow(/duplicate column "a"/);
    expect(() => parseCsv('', 'e.csv')).toThrow(/empty file/);
  });

  it('requireColumns lists what is missing', () => {
    const t = parseCsv('image,level\n1_left,0\n', 'trainLabels.csv');
    expect(() => requireColumns(t, ['image', 'grade'])).toThrow(/trainLabels\.csv: missing column\(s\) "grade"/);
  });
});

import type { FbTable } from './flatbuf.js';

/**
 * A plain description of an Arrow schema as stored in the flatbuffers (Schema.fbs). Used to
 * cross-check the two copies of the schema in a file and to know each column's buffer layout.
 */
export interface FieldInfo {
  name: string;
  nullable: boolean;
  /** The `Type` union tag from Schema.fbs (2 = Int, 3 = FloatingPoint, 16 = FixedSizeList, ...). */
  typeId: number;
  /** The type's parameters in Schema.fbs order (bitWidth, precision, listSize, unit, timezone ...). */
  params: (number | boolean | string | number[] | null)[];
  dictionary: { id: number; indexBitWidth: number; indexSigned: boolean; ordered: boolean } | null;
  children: FieldInfo[];
  metadata: [string, string][];
}

export interface SchemaInfo {
  /** 0 little-endian, 1 big-endian. */
  endianness: number;
  fields: FieldInfo[];
  metadata: [string, string][];
}

export const TYPE = {
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
  RunEndEncoded: 22,
  BinaryView: 23,
  Utf8View: 24,
  ListView: 25,
  LargeListView: 26,
} as const;

export function parseSchema(t: FbTable): SchemaInfo {
  return {
    endianness: t.i16(0),
    fields: t.tables(1, 'fields').map(parseField),
    metadata: parseKeyValues(t, 2),
  };
}

export function parseKeyValues(t: FbTable, slot: number): [string, string][] {
  return t.tables(slot, 'custom_metadata').map((kv) => [kv.string(0, 'key') ?? '', kv.string(1, 'value') ?? '']);
}

function parseField(f: FbTable): FieldInfo {
  const typeId = f.u8(2);
  if (typeId < 1 || typeId > 26) f.buf.fail(`${f.name}: unknown type id ${typeId}`);
  const type = f.table(3, 'type');
  const dict = f.table(4, 'dictionary');
  let dictionary: FieldInfo['dictionary'] = null;
  if (dict) {
    const index = dict.table(1, 'indexType');
    dictionary = {
      id: dict.i64(0),
      indexBitWidth: index ? index.i32(0) : 32,
      indexSigned: index ? index.bool(1) : true,
      ordered: dict.bool(2),
    };
    if (![8, 16, 32, 64].includes(dictionary.indexBitWidth))
      f.buf.fail(`${f.name}: bad dictionary index width ${dictionary.indexBitWidth}`);
  }
  return {
    name: f.string(0, 'name') ?? '',
    nullable: f.bool(1),
    typeId,
    params: type ? typeParams(typeId, type) : [],
    dictionary,
    children: f.tables(5, 'children').map(parseField),
    metadata: parseKeyValues(f, 6),
  };
}

/** Reads the parameters of each type table, with the defaults from Schema.fbs. */
function typeParams(typeId: number, t: FbTable): FieldInfo['params'] {
  switch (typeId) {
    case TYPE.Int:
      return [t.i32(0), t.bool(1)];
    case TYPE.FloatingPoint:
    case TYPE.Interval:
      return [t.i16(0)];
    case TYPE.Date:
    case TYPE.Duration:
      return [t.i16(0, 1)];
    case TYPE.Decimal:
      return [t.i32(0), t.i32(1), t.i32(2, 128)];
    case TYPE.Time:
      return [t.i16(0, 1), t.i32(1, 32)];
    case TYPE.Timestamp:
      return [t.i16(0), t.string(1, 'timezone')];
    case TYPE.Union: {
      const { start, length } = t.vector(1, 4, 'typeIds');
      const ids: number[] = [];
      for (let i = 0; i < length; i++) ids.push(t.buf.i32(start + i * 4));
      return [t.i16(0), ids];
    }
    case TYPE.FixedSizeBinary:
    case TYPE.FixedSizeList:
      return [t.i32(0)];
    case TYPE.Map:
      return [t.bool(0)];
    default:
      return [];
  }
}

/** Bit width of one value of a fixed-width type, or null for types without a fixed-width values buffer. */
export function fixedBitWidth(f: Pick<FieldInfo, 'typeId' | 'params'>): number | null {
  const p = f.params;
  switch (f.typeId) {
    case TYPE.Int:
      return p[0] as number;
    case TYPE.FloatingPoint:
      return [16, 32, 64][p[0] as number] ?? null;
    case TYPE.Bool:
      return 1;
    case TYPE.Decimal:
      return p[2] as number;
    case TYPE.Date:
      return p[0] === 0 ? 32 : 64;
    case TYPE.Time:
      return p[1] as number;
    case TYPE.Timestamp:
    case TYPE.Duration:
      return 64;
    case TYPE.Interval:
      return [32, 64, 128][p[0] as number] ?? null;
    case TYPE.FixedSizeBinary:
      return (p[0] as number) * 8;
    default:
      return null;
  }
}

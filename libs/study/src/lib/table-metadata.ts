import { RecordBatch, Schema, Table } from 'apache-arrow';

/** The same table with `metadata` added to its schema metadata (a kind's record, built by its writer). */
export function withMetadata(table: Table, metadata: Record<string, string>): Table {
  const meta = new Map(table.schema.metadata);
  for (const [k, v] of Object.entries(metadata)) meta.set(k, v);
  const schema = new Schema(table.schema.fields, meta, table.schema.dictionaries);
  return new Table(
    schema,
    table.batches.map((b) => new RecordBatch(schema, b.data)),
  );
}

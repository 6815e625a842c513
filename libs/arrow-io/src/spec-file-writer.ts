import * as arrow from 'apache-arrow';

/**
 * apache-arrow's RecordBatchFileWriter starts the file with the first batch and keeps the schema only in
 * the footer. The IPC file format spec embeds a complete stream (Schema message first), and Arrow C++ /
 * pyarrow write it; we do too, so the file can also be read as a stream after the 8-byte magic and the
 * two schema copies can be cross-checked for damage.
 */
export class SpecFileWriter extends arrow.RecordBatchFileWriter {
  protected override _writeSchema(schema: arrow.Schema): this {
    this._writeMagic()._writePadding(2);
    return this._writeMessage(arrow.Message.from(schema));
  }
}

/** Collects the writer's output chunks so they can be flushed to a file batch by batch. */
class ChunkSink extends arrow.AsyncByteQueue<Uint8Array> {
  chunks: Uint8Array[] = [];
  override write(value: ArrayBufferView | ArrayBuffer): void {
    const bytes =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (bytes.byteLength > 0) this.chunks.push(bytes);
  }
  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

/**
 * Incremental IPC file encoder: `begin` emits magic + schema, `batch` one record batch (with any new
 * dictionaries), `end` the end-of-stream marker and footer. Each returns the bytes to append; the chunks
 * are views of the batch's own buffers (no copy), so write them out before the batch is modified.
 */
export class IpcFileEncoder {
  private readonly sink = new ChunkSink();
  private readonly writer = new SpecFileWriter();

  constructor(readonly schema: arrow.Schema) {}

  begin(): Uint8Array[] {
    this.writer.reset(this.sink, this.schema);
    return this.sink.take();
  }
  batch(b: arrow.RecordBatch): Uint8Array[] {
    this.writer.write(b);
    return this.sink.take();
  }
  end(): Uint8Array[] {
    this.writer.finish();
    return this.sink.take();
  }
}

/** Encodes a whole file as a list of chunks (views of the batches' buffers: nothing is copied). */
export function encodeFileChunks(schema: arrow.Schema, batches: Iterable<arrow.RecordBatch>): Uint8Array[] {
  const enc = new IpcFileEncoder(schema);
  const chunks = enc.begin();
  for (const b of batches) chunks.push(...enc.batch(b));
  chunks.push(...enc.end());
  return chunks;
}

/** Concatenates chunks into one new (hence 8-byte aligned) buffer. */
export function joinChunks(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

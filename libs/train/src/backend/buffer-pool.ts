// Reuse of the native backend's float32 output buffers. The cpu backend gives every output a new typed array;
// at ResNet50 sizes that is gigabytes of fresh pages a step (page faults, zeroing, then garbage collection),
// which cost more CPU than the convolutions at 64 x 64. Training repeats the same shapes every step, so a
// buffer freed by one step is taken, by exact length, by the next (the wasm heap reuses memory the same way).
// Only buffers the native kernels allocated are pooled (never an array a caller handed to tf.tensor), and
// reads of them return copies, so nothing outside the backend can hold a buffer that is later reused.

/** Pooled bytes kept at most; beyond it freed buffers are left to the garbage collector. */
const DEFAULT_LIMIT = 4 * 1024 ** 3;

const free = new Map<number, Float32Array[]>();
const owned = new WeakSet<Float32Array>();
let pooledBytes = 0;
let limitBytes = DEFAULT_LIMIT;

/** A float32 buffer of `length` elements owned by the pool: contents undefined (a reused buffer is not cleared). */
export function takeBuffer(length: number): Float32Array {
  const list = free.get(length);
  const reused = list?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    return reused;
  }
  const fresh = new Float32Array(length);
  owned.add(fresh);
  return fresh;
}

/** Whether `values` came from takeBuffer (such buffers must not leave the backend: copy them on reads). */
export function isPooled(values: unknown): values is Float32Array {
  return values instanceof Float32Array && owned.has(values);
}

/** Returns a buffer from takeBuffer once no tensor uses it; anything else is ignored. */
export function recycleBuffer(values: unknown): void {
  if (!isPooled(values) || pooledBytes + values.byteLength > limitBytes) return;
  const list = free.get(values.length);
  if (list) list.push(values);
  else free.set(values.length, [values]);
  pooledBytes += values.byteLength;
}

/** Drops every pooled buffer (releaseBackend); `limit` changes the cap (tests). */
export function clearBufferPool(limit = DEFAULT_LIMIT): void {
  free.clear();
  pooledBytes = 0;
  limitBytes = limit;
}

export function bufferPoolBytes(): number {
  return pooledBytes;
}

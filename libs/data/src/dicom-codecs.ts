/**
 * JPEG 2000 (OpenJPEG) and JPEG-LS (CharLS) frame decoders, from the WebAssembly builds cornerstone ships
 * (`@cornerstonejs/codec-openjpeg`, `@cornerstonejs/codec-charls`). Each codec is loaded once, when a file first
 * needs it; its console output (OpenJPEG's [INFO] lines) is dropped, errors come back as exceptions.
 */

/** What the codecs describe a frame as. */
export interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
  isUsingColorTransform?: boolean;
}

/** The slice of both codecs' Emscripten decoder classes used here (the packages ship no type declarations). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): CodecFrameInfo;
  decode(): void;
  delete?(): void;
}

/** And of their encoders: the tests build DICOM files with them. */
export interface WasmEncoder {
  getDecodedBuffer(info: CodecFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  setDecompositions?(n: number): void;
  setNearLossless?(n: number): void;
  delete?(): void;
}

interface OpenJpegModule {
  J2KDecoder: new () => WasmDecoder;
  J2KEncoder: new () => WasmEncoder;
}
interface CharlsModule {
  JpegLSDecoder: new () => WasmDecoder;
  JpegLSEncoder: new () => WasmEncoder;
}

type Factory<M> = (options: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<M>;
/** A fresh options object per module: Emscripten makes it the module itself (`var Module = moduleArg`), so two codecs sharing one would overwrite each other's bindings. */
const quiet = (): { print: (s: string) => void; printErr: (s: string) => void } => ({
  print: () => undefined,
  printErr: () => undefined,
});

let openjpeg: Promise<OpenJpegModule> | undefined;
let charls: Promise<CharlsModule> | undefined;

export function openJpegCodec(): Promise<OpenJpegModule> {
  openjpeg ??= import('@cornerstonejs/codec-openjpeg/wasmjs').then((m) =>
    (m.default as Factory<OpenJpegModule>)(quiet()),
  );
  return openjpeg;
}

export function charlsCodec(): Promise<CharlsModule> {
  charls ??= import('@cornerstonejs/codec-charls/wasmjs').then((m) => (m.default as Factory<CharlsModule>)(quiet()));
  return charls;
}

/** The codecs throw numbers (Emscripten exception pointers) or strings; a readable reason either way. */
function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return `codec error ${String(e)}`;
}

/**
 * Decodes one JPEG 2000 or JPEG-LS codestream. Samples come back interleaved (RGB, not planar): one byte per
 * sample up to 8 bits, else two bytes little-endian.
 */
export async function decodeCodecFrame(
  kind: 'jpeg2000' | 'jpeg-ls',
  frame: Uint8Array,
): Promise<{ info: CodecFrameInfo; data: Uint8Array }> {
  const codec = kind === 'jpeg2000' ? await openJpegCodec() : await charlsCodec();
  const decoder =
    kind === 'jpeg2000' ? new (codec as OpenJpegModule).J2KDecoder() : new (codec as CharlsModule).JpegLSDecoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return { info: { ...info }, data: decoder.getDecodedBuffer().slice() }; // a copy: the view is into wasm memory
  } catch (e) {
    throw new Error(reason(e));
  } finally {
    decoder.delete?.();
  }
}

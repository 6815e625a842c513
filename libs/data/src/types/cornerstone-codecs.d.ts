// @cornerstonejs/codec-openjpeg and codec-charls ship no type declarations: their `wasmjs` entries export an
// Emscripten module factory, typed where it is used (dicom-codecs.ts).
declare module '@cornerstonejs/codec-openjpeg/wasmjs' {
  const factory: unknown;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/wasmjs' {
  const factory: unknown;
  export default factory;
}

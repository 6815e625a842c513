export {
  BINARY_OPS,
  type BinaryOpCode,
  convGeometryArray,
  poolGeometryArray,
  type ConvGeometry,
  type NativeAddon,
  type PoolGeometry,
} from './addon.js';
export { NativeError, type NativeErrorCode } from './errors.js';
export {
  ADDON_PATH,
  loadNative,
  nativeMode,
  nativeModeSchema,
  requireNative,
  unavailableMessage,
  type NativeLoad,
  type NativeMode,
} from './load.js';
export {
  linalgFrom,
  linalgUnavailableMessage,
  loadLinalg,
  noticeLinalgUnavailable,
  WANT_XX,
  WANT_XY,
  WANT_YY,
  type Activations,
  type BlasInfo,
  type ComomentsOut,
  type ComomentSums,
  type GemmShape,
  type Linalg,
  type LinalgAddon,
  type LinalgLoad,
} from './linalg.js';

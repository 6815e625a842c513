export { BINARY_OPS, type BinaryOpCode, convGeometryArray, poolGeometryArray, type ConvGeometry, type NativeAddon, type PoolGeometry } from './addon.js';
export { NativeError, type NativeErrorCode } from './errors.js';
export { ADDON_PATH, loadNative, nativeMode, nativeModeSchema, requireNative, unavailableMessage, type NativeLoad, type NativeMode } from './load.js';

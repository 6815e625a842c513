import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether build-native produced the addon. Tests of the addon run whenever it was built; when the toolchain
 * is present (compiler + oneDNN headers) a missing addon is itself a failure (see load.test.ts), so CI
 * cannot silently skip the native path.
 */
export function nativeExpected(): { built: boolean; toolchain: boolean; status: unknown } {
  const status = fileURLToPath(new URL('../build/native-status.json', import.meta.url));
  const parsed: unknown = existsSync(status) ? JSON.parse(readFileSync(status, 'utf8')) : undefined;
  return {
    built: existsSync(fileURLToPath(new URL('../build/Release/transfusion_native.node', import.meta.url))),
    toolchain:
      existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && ['/usr/bin/g++', '/usr/bin/c++'].some((p) => existsSync(p)),
    status: parsed,
  };
}

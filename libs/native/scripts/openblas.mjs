// Where OpenBLAS is on this machine (Debian multiarch and source installs), for build-native and the Nx cache
// key of build-native (toolchain-fingerprint): one search, so both agree on whether it is installed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const INCLUDE_DIRS = [
  '/usr/include/x86_64-linux-gnu',
  '/usr/include/aarch64-linux-gnu',
  '/usr/include',
  '/usr/include/openblas',
  '/usr/local/include',
];
const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local/lib',
];

/** `{ ok: true, version, include }`, or `{ ok: false, reason }` (Debian: apt-get install libopenblas-dev). */
export function findOpenBlas() {
  if (process.env['TRANSFUSION_BLAS'] === '0')
    return { ok: false, reason: 'disabled by TRANSFUSION_BLAS=0 at build time' };
  const include = INCLUDE_DIRS.find((d) => existsSync(join(d, 'cblas.h')) && existsSync(join(d, 'openblas_config.h')));
  if (include === undefined)
    return {
      ok: false,
      reason: 'OpenBLAS headers not found (cblas.h, openblas_config.h; apt-get install libopenblas-dev)',
    };
  if (!LIB_DIRS.some((d) => existsSync(join(d, 'libopenblas.so')))) {
    return { ok: false, reason: 'libopenblas.so not found (apt-get install libopenblas-dev)' };
  }
  // OPENBLAS_VERSION in openblas_config.h names it: " OpenBLAS 0.3.21 ".
  const version = readFileSync(join(include, 'openblas_config.h'), 'utf8').match(
    /#define OPENBLAS_VERSION\s+"\s*OpenBLAS\s+([^\s"]+)/,
  )?.[1];
  return { ok: true, version: version ?? 'unknown', include };
}

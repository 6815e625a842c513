// Printed into the Nx cache key of build-native: installing a compiler, oneDNN or OpenBLAS later must rebuild the
// addon, and so must another CPU (the addon is compiled with -march=native).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { findOpenBlas } from './openblas.mjs';

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return 'missing';
  }
}
const blas = findOpenBlas();
const header = ['/usr/include/oneapi/dnnl/dnnl_version.h', '/usr/local/include/oneapi/dnnl/dnnl_version.h'].find((p) =>
  existsSync(p),
);
console.log(
  [
    process.version,
    run('c++', ['--version']),
    run('make', ['--version']),
    header
      ? readFileSync(header, 'utf8')
          .match(/DNNL_VERSION_\w+ \d+/g)
          ?.join(' ')
      : 'no oneDNN',
    blas.ok ? `OpenBLAS ${blas.version}` : blas.reason,
    cpus()[0]?.model ?? 'unknown CPU',
    existsSync('/proc/cpuinfo')
      ? (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim()
      : '',
  ].join(' | '),
);

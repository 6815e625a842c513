// Printed into the Nx cache key of build-native: installing a compiler, oneDNN or OpenBLAS later must rebuild the
// addon, and so must another CPU (the addon is compiled with -march=native).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return 'missing';
  }
}
const blasHeader = ['/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu', '/usr/include', '/usr/include/openblas', '/usr/local/include']
  .map((d) => `${d}/openblas_config.h`).find((p) => existsSync(p));
const blasLib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/lib64', '/usr/local/lib']
  .some((d) => existsSync(`${d}/libopenblas.so`));
const header = ['/usr/include/oneapi/dnnl/dnnl_version.h', '/usr/local/include/oneapi/dnnl/dnnl_version.h'].find((p) => existsSync(p));
console.log([
  process.version,
  run('c++', ['--version']),
  run('make', ['--version']),
  header ? readFileSync(header, 'utf8').match(/DNNL_VERSION_\w+ \d+/g)?.join(' ') : 'no oneDNN',
  blasHeader && blasLib ? (readFileSync(blasHeader, 'utf8').match(/OPENBLAS_VERSION\s+"([^"]*)"/)?.[1]?.trim() ?? 'OpenBLAS') : 'no OpenBLAS',
  `TRANSFUSION_BLAS=${process.env['TRANSFUSION_BLAS'] ?? ''}`,
  cpus()[0]?.model ?? 'unknown CPU',
  existsSync('/proc/cpuinfo') ? (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim() : '',
].join(' | '));

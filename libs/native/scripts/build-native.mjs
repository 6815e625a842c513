// Nx target build-native: compiles the oneDNN addon with node-gyp. Never fails the build: when a compiler,
// make, python3 or oneDNN is missing, or compilation fails, it records why in build/native-status.json
// (read by the loader for its "native kernels unavailable: <reason>" message) and exits 0, so the
// project keeps working on the wasm path. When OpenBLAS is installed too, the float64 linear algebra of
// csrc/linalg.cc is compiled in (gyp variable with_blas=1); its outcome is recorded separately under "blas",
// and a failure there rebuilds without it, so a missing or broken OpenBLAS never costs the oneDNN kernels.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOpenBlas } from './openblas.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addonPath = join(buildDir, 'Release', 'transfusion_native.node');
const require = createRequire(import.meta.url);

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

// Build logs of failed attempts, written by finish(): a later `node-gyp rebuild` would delete them from build/.
const logs = [];

// What the addon was compiled from (binding.gyp and csrc/): the study puts it in training stages' cache keys, so a
// kernel change reruns them even when no JavaScript changed.
function sourceHash() {
  const h = createHash('sha256');
  for (const f of [
    'binding.gyp',
    ...readdirSync(join(root, 'csrc'))
      .sort()
      .map((n) => `csrc/${n}`),
  ]) {
    h.update(`${f}\n`).update(readFileSync(join(root, f)));
  }
  return h.digest('hex');
}

function finish(status, blas) {
  mkdirSync(buildDir, { recursive: true });
  for (const { file, text } of logs) writeFileSync(file, text);
  const all = {
    ...status,
    ...(status.ok ? { sources: sourceHash() } : {}),
    blas: status.ok ? blas : { ok: false, reason: `addon not built: ${status.reason}` },
  };
  writeFileSync(
    join(buildDir, 'native-status.json'),
    `${JSON.stringify({ ...all, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  if (status.ok) process.stderr.write(`native kernels built: oneDNN ${status.dnnlVersion} (${addonPath})\n`);
  else
    process.stderr.write(
      `native kernels unavailable: ${status.reason}\nThe project works without them (wasm backend).\n`,
    );
  if (all.blas.ok) process.stderr.write(`native linear algebra built: OpenBLAS ${all.blas.version}\n`);
  else
    process.stderr.write(
      `native linear algebra unavailable: ${all.blas.reason}\n@transfusion/cca works without it (TypeScript path).\n`,
    );
  process.exit(0);
}

function missingPrerequisite() {
  if (process.env['TRANSFUSION_NATIVE'] === '0') return 'disabled by TRANSFUSION_NATIVE=0 at build time';
  if (!has('c++') && !has('g++')) return 'no C++ compiler (install g++, e.g. apt-get install g++)';
  if (!has('make')) return 'make not found (apt-get install make)';
  if (!has('python3')) return 'python3 not found (node-gyp needs it)';
  const dnnl = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
  if (!dnnl.some((p) => existsSync(p))) return 'oneDNN headers not found (apt-get install libdnnl-dev)';
  try {
    require.resolve('node-gyp/bin/node-gyp.js');
    require.resolve('node-addon-api');
  } catch {
    return 'node-gyp or node-addon-api is not installed (npm ci)';
  }
  return undefined;
}

const missing = missingPrerequisite();
const openBlas = findOpenBlas();
if (process.argv.includes('--check-blas')) {
  // Report only: whether a build would compile the linear algebra in (tests use this).
  process.stdout.write(
    `${openBlas.ok ? `OpenBLAS ${openBlas.version} found` : `native linear algebra unavailable: ${openBlas.reason}`}\n`,
  );
  process.exit(0);
}
if (process.argv.includes('--check')) {
  // Report only (tests use this): what a build would do, without touching build/.
  process.stdout.write(`${missing ? `native kernels unavailable: ${missing}` : 'prerequisites found'}\n`);
  process.exit(0);
}
if (missing) finish({ ok: false, reason: missing });

// Offline builds: use the headers of the running Node (Debian/NodeSource install them under <prefix>/include/node)
// instead of letting node-gyp download them.
const prefix = resolve(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
/** node-gyp rebuild with or without linalg.cc; undefined on success, else the first error line (log written). */
function rebuild(withBlas) {
  process.stderr.write(`building native kernels (node-gyp, oneDNN${withBlas ? ', OpenBLAS' : ''})...\n`);
  const gyp = spawnSync(
    process.execPath,
    [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodedir, '--', `-Dwith_blas=${withBlas ? 1 : 0}`],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (gyp.status === 0) return undefined;
  const log = `${gyp.stdout ?? ''}${gyp.stderr ?? ''}`;
  const logFile = join(buildDir, withBlas ? 'native-build-blas.log' : 'native-build.log');
  logs.push({ file: logFile, text: log });
  const errorLine = log.split('\n').find((l) => /error/i.test(l)) ?? log.trim().split('\n').slice(-1)[0] ?? '';
  return `node-gyp build failed: ${errorLine.trim()} (log: ${logFile})`;
}

let blas = openBlas.ok ? { ok: true, version: openBlas.version } : { ok: false, reason: openBlas.reason };
let failure = rebuild(openBlas.ok);
if (failure !== undefined && openBlas.ok) {
  // Maybe only linalg.cc / OpenBLAS broke the build: the oneDNN kernels must not pay for it.
  blas = { ok: false, reason: `build with OpenBLAS failed: ${failure}` };
  failure = rebuild(false);
}
if (failure !== undefined) finish({ ok: false, reason: failure }, blas);
// Load it once in a child process: a missing shared library shows up here rather than at training time.
try {
  const probe = `const a = require(${JSON.stringify(addonPath)}); process.stdout.write(JSON.stringify({ ...a.info(), blas: a.blasInfo ? a.blasInfo() : null }))`;
  const out = JSON.parse(
    execFileSync(process.execPath, ['-e', probe], {
      encoding: 'utf8',
      env: { ...process.env, OMP_WAIT_POLICY: 'passive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  if (blas.ok && out.blas === null)
    blas = { ok: false, reason: 'built with OpenBLAS but the addon has no linear algebra (internal error)' };
  if (blas.ok) blas = { ok: true, version: out.blas.version };
  finish({ ok: true, dnnlVersion: out.dnnlVersion }, blas);
} catch (err) {
  finish(
    {
      ok: false,
      reason: `built but cannot be loaded: ${
        String(err.stderr || err.message)
          .trim()
          .split('\n')[0]
      }`,
    },
    blas,
  );
}

// Nx target build-native: compiles the oneDNN addon with node-gyp. Never fails the build: when a compiler,
// make, python3 or oneDNN is missing, or compilation fails, it records why in build/native-status.json
// (read by the loader for its "native kernels unavailable: <reason>" message) and exits 0, so the
// project keeps working on the wasm path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addonPath = join(buildDir, 'Release', 'transfusion_native.node');
const require = createRequire(import.meta.url);

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function finish(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, 'native-status.json'), `${JSON.stringify({ ...status, builtAt: new Date().toISOString() }, null, 2)}\n`);
  if (status.ok) process.stderr.write(`native kernels built: oneDNN ${status.dnnlVersion} (${addonPath})\n`);
  else process.stderr.write(`native kernels unavailable: ${status.reason}\nThe project works without them (wasm backend).\n`);
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
process.stderr.write('building native kernels (node-gyp, oneDNN)...\n');
const gyp = spawnSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodedir], {
  cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
});
if (gyp.status !== 0) {
  const log = `${gyp.stdout ?? ''}${gyp.stderr ?? ''}`;
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, 'native-build.log'), log);
  const errorLine = log.split('\n').find((l) => /error/i.test(l)) ?? log.trim().split('\n').slice(-1)[0] ?? '';
  finish({ ok: false, reason: `node-gyp build failed: ${errorLine.trim()} (log: ${join(buildDir, 'native-build.log')})` });
}
// Load it once in a child process: a missing shared library shows up here rather than at training time.
try {
  const out = execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(addonPath)}).info()))`], {
    encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'passive' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  finish({ ok: true, dnnlVersion: JSON.parse(out).dnnlVersion });
} catch (err) {
  finish({ ok: false, reason: `built but cannot be loaded: ${String(err.stderr || err.message).trim().split('\n')[0]}` });
}

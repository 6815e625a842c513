// Which modules an entry point loads: the light `./schemas` entries must not pull in tfjs, sharp, Arrow or the
// native addon (the same check as libs/train/test/schemas-entry.test.ts).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const libRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// Records the URL of every module Node resolves while importing process.argv[1] (a resolve hook on Node's
// loader thread posts each URL; receiveMessageOnPort drains them after the import).
const HOOK = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;
const SCRIPT = `import { register } from 'node:module';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), '${pathToFileURL(libRoot).href}/', { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
const urls = [];
for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) urls.push(m.message);
port1.close();
console.log(JSON.stringify(urls));`;

/** Every module URL loaded by importing `specifier` from the lib's folder (the package's built dist). */
export function loadedModules(specifier: string): string[] {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, specifier], { cwd: libRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return [...new Set(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[])];
}

// Which modules an entry point loads, for the tests of the libs' light `./schemas` entries (they must not pull in
// tfjs, sharp, Arrow or the native addon). One helper for every lib's tests; not a project, only test support.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Records the URL of every module Node resolves while importing process.argv[1] (a resolve hook on Node's
// loader thread posts each URL; receiveMessageOnPort drains them after the import).
const HOOK = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  port.postMessage(r.url);
  return r;
}`;
const script = (libRoot: string): string => `import { register } from 'node:module';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), '${pathToFileURL(resolve(libRoot)).href}/', { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
const urls = [];
for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) urls.push(m.message);
port1.close();
console.log(JSON.stringify(urls));`;

/** Every module URL loaded by importing `specifier` from the folder `libRoot` (a package's built dist, resolved as a user would). */
export function loadedModules(specifier: string, libRoot: string): string[] {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(libRoot), specifier], {
    cwd: libRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`node exited with ${r.status}: ${r.stderr}`);
  return [...new Set(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as string[])];
}

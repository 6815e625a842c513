#!/usr/bin/env node
// The `transfusion` command as npm links it (the root package's and @transfusion/cli's "bin"). A committed,
// executable file rather than dist/main.js: npm links it at `npm ci`, before the build writes dist/, and tsc does
// not set the executable bit on what it writes.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'transfusion: the CLI is not built yet; run `npm run build` (or `npx nx run-many -t build`) first\n',
  );
  process.exit(1);
}
await import(main.href);

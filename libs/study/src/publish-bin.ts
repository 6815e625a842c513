#!/usr/bin/env node
// `node libs/study/dist/publish-bin.js <pipeline.yaml> [flags]`: the publish step of the Nx pipeline targets,
// until the lead wires `transfusion study publish` into the CLI.
import { main } from './cli.js';

process.exitCode = await main(['publish', ...process.argv.slice(2)]);

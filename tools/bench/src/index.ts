export { main, summary } from './cli.js';
export { benchPipelineYaml } from './pipeline.js';

export * from './auc.js';
export * from './classification.js';
export * from './bootstrap.js';
export * from './convergence.js';

// ESLint runs one rule: Nx's module boundaries, which encode the house (Biome does format and the other lint).
// Each project's tags are in its package.json ("nx": { "tags": [...] }):
//   layer:base    arrow-io, native, random: Arrow/tensor I/O, the optional native kernels and the seeded
//                 generators; import only each other
//   layer:domain  data, models, train, cca, report: one concern each; import only base and other domain libs
//   layer:engine  pipeline: the generic DAG engine; knows no domain lib
//   layer:study   study: the paper's stages, composing domain libs on the engine
//   layer:app     apps/*, tools/*: on top, may use any lib
// and scope tags for the finer rules (report never imports train: it reads results, it does not train).
import nx from '@nx/eslint-plugin';
import tsParser from '@typescript-eslint/parser';

const PROJECTS = [
  'arrow-io',
  'native',
  'random',
  'data',
  'models',
  'train',
  'cca',
  'report',
  'pipeline',
  'study',
  'cli',
  'bench',
].map((name) => `@transfusion/${name}`);

// what a test of apps/* or tools/* may reach by path: another lib's test folder (matched as a prefix)
const LIB_TEST_FOLDERS = PROJECTS.map((name) => `../../../libs/${name.slice('@transfusion/'.length)}/test/**`);

const BOUNDARIES = {
  enforceBuildableLibDependency: false,
  allow: [],
  // heavy libs (tfjs, sharp) load lazily inside a stage's run and statically elsewhere (types, tests), on purpose
  checkDynamicDependenciesExceptions: PROJECTS,
  // tests import their own package by name, as a user does (they test the built entry points)
  allowCircularSelfDependency: true,
  depConstraints: [
    { sourceTag: 'layer:base', onlyDependOnLibsWithTags: ['layer:base'] },
    { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:base', 'layer:domain'] },
    { sourceTag: 'scope:report', notDependOnLibsWithTags: ['scope:train'] },
    { sourceTag: 'layer:engine', onlyDependOnLibsWithTags: ['layer:base'] },
    { sourceTag: 'layer:study', onlyDependOnLibsWithTags: ['layer:base', 'layer:domain', 'layer:engine'] },
    {
      sourceTag: 'layer:app',
      onlyDependOnLibsWithTags: ['layer:base', 'layer:domain', 'layer:engine', 'layer:study', 'layer:app'],
    },
  ],
};

export default [
  { ignores: ['**/dist/**', '**/build/**', '**/node_modules/**', '**/*.d.ts', 'datasets/**', '.nx/**'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module' },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', BOUNDARIES],
    },
  },
  {
    // the study asks libs/train and libs/cca for the compute facts it reports; the native addon is theirs
    files: ['libs/study/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@transfusion/native', message: 'ask @transfusion/train or @transfusion/cca for compute facts' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportExpression[source.value='@transfusion/native']",
          message: 'ask @transfusion/train or @transfusion/cca for compute facts',
        },
      ],
    },
  },
  {
    // tests may reuse another project's test fixtures (activations, DICOM samples, study results) by path, and the
    // shared test support in tools/testing
    files: ['**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { ...BOUNDARIES, allow: [...LIB_TEST_FOLDERS, '../../../tools/testing/**'] },
      ],
    },
  },
];

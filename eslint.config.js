// Lint with type information: the rules that catch what the compiler does not (floating promises,
// non-exhaustive switches over the outcome and other unions) and the house rule that each third-party
// package enters through one module (STYLE rule 4).
import tseslint from 'typescript-eslint';

/** Each package and the only files (globs) of src/ and workers/ that may import it. */
const ENTRY_POINTS = {
  piscina: ['src/pool/**'],
  'isolated-vm': ['workers/sandbox/**'],
  ioredis: ['src/queue/redis-client.ts', 'src/storage/redis-mongo/redis.ts'],
  mongodb: ['src/storage/redis-mongo/mongo.ts'],
  pino: ['src/telemetry/logger.ts'],
  eventemitter3: ['src/telemetry/bus.ts'],
  'prom-client': ['src/telemetry/metrics.ts'],
  he: ['src/storage/payloads.ts'],
  '@jridgewell/trace-mapping': ['workers/sandbox/source-maps.ts'],
  '@screeps/*': ['src/screeps/**'],
};

// ESLint keeps only the last matching setting of a rule per file, so each config lists every package the
// files it matches may not import: all of them in src/ and workers/, all but its own in an entry point.
const restrict = (allowed) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: Object.entries(ENTRY_POINTS)
        .filter(([name]) => name !== allowed)
        .map(([name, files]) => ({ group: [name], message: `${name} is imported only by ${files.join(', ')}` })),
    },
  ],
});
const restrictions = [
  { files: ['src/**/*.ts', 'workers/**/*.ts'], rules: restrict(null) },
  ...Object.entries(ENTRY_POINTS).map(([name, files]) => ({ files, rules: restrict(name) })),
];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'scratch/**', '.services/**', 'native/**', 'scripts/**', 'bin/**', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  ...restrictions,
);

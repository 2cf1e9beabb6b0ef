// Lint: typescript-eslint's type-checked rules, plus the layering rules of DESIGN §3 as errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeIo = ['fs', 'path', 'child_process', 'net', 'http', 'https', 'os', 'dgram', 'dns', 'tls', 'worker_threads', 'cluster', 'process', 'readline', 'stream', 'zlib', 'crypto']
  .flatMap((m) => [m, `${m}/*`, `node:${m}`, `node:${m}/*`]);

/** Forbids imports of the given layers (folder names under src/) from the files matched. */
function layer(files, forbiddenLayers, extra = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...forbiddenLayers.map((l) => ({
            group: [`**/${l}/**`, `**/${l}`],
            message: `DESIGN §3: this layer must not import from ${l}/.`,
          })),
          ...(extra.length ? [{ group: extra, message: 'DESIGN §3: this layer is pure: no Node I/O modules.' }] : []),
        ],
      }],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.slipway-demo/', 'test-output/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*', 'bench/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(['src/base/**'], ['core', 'storage', 'server', 'agent', 'cli'], nodeIo),
  layer(['src/core/**'], ['storage', 'server', 'agent', 'cli'], nodeIo),
  layer(['src/storage/**'], ['server', 'agent', 'cli']),
  layer(['src/server/**'], ['agent', 'cli']),
  layer(['src/agent/**'], ['server', 'storage', 'cli']),
  layer(['web/**'], ['storage', 'server', 'agent', 'cli'], nodeIo),
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // The sample project is plain Node.js.
  { files: ['examples/**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly' } } },
);

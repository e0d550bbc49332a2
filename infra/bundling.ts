import type { BuildOptions } from 'esbuild';

/**
 * How a function is bundled: the CDK's NodejsFunction (infra/stack.ts) and the benchmark
 * (test/bench/run.ts) use these same settings, so the measured bundle is the deployed one.
 * ESM lets esbuild tree-shake the AWS SDK v3 and zod; the banner gives CommonJS dependencies a
 * `require` inside the ES module.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const BUNDLING = {
  bundle: true,
  minify: true,
  treeShaking: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  legalComments: 'none',
} as const satisfies BuildOptions;

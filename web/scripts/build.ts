/**
 * Builds the portal (web/dist): the API's OpenAPI document is produced offline from the code (the same
 * function `GET /openapi.json` runs), openapi-typescript turns it into the client's types, the task
 * kinds' decision schemas are exported for the generic decision form, the portal is type checked and
 * Vite bundles it. `ensurePortalBuilt()` (npm start) rebuilds only when an input changed.
 *
 *   npx tsx web/scripts/build.ts          # build now
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { buildOpenApi } from '../../functions/meta/openapi.js';
import { ROUTE_TABLES } from '../../functions/meta/route-tables.js';
import { metaRoutes } from '../../functions/meta/routes.js';
import { TASK_KINDS } from '../../functions/tasks/kinds.js';

const WEB = resolve(import.meta.dirname, '..');
const ROOT = resolve(WEB, '..');
const GENERATED = join(WEB, 'src', 'api', 'generated');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.build-stamp');

/** Each task kind: its labels and the JSON schema of its decision body (input side). */
const taskKinds = () =>
  Object.fromEntries(
    Object.entries(TASK_KINDS).map(([kind, def]) => {
      const { $schema: _s, ...schema } = z.toJSONSchema(def.decision, {
        io: 'input',
        unrepresentable: 'any',
      }) as Record<string, unknown>;
      return [kind, { label: def.label, schema }];
    }),
  );

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'generated' ? [] : sourceFiles(p);
    return [p];
  });

/** Everything the bundle depends on: the API contract, the portal's sources, the locked dependencies. */
const inputs = () => {
  const openapi = JSON.stringify(buildOpenApi({ ...ROUTE_TABLES, meta: metaRoutes }), null, 2);
  const kinds = JSON.stringify(taskKinds(), null, 2);
  const hash = createHash('sha256').update(openapi).update(kinds);
  const files = [
    ...sourceFiles(join(WEB, 'src')),
    ...sourceFiles(join(WEB, 'public')),
    join(WEB, 'index.html'),
    join(WEB, 'vite.config.ts'),
    join(ROOT, 'package-lock.json'),
  ].sort();
  for (const f of files) hash.update(relative(ROOT, f)).update(readFileSync(f));
  return { openapi, kinds, hash: hash.digest('hex') };
};

const writeGenerated = async (openapi: string, kinds: string) => {
  mkdirSync(GENERATED, { recursive: true });
  writeFileSync(join(GENERATED, 'openapi.json'), openapi);
  writeFileSync(join(GENERATED, 'task-kinds.json'), kinds);
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const ast = await openapiTS(JSON.parse(openapi) as Parameters<typeof openapiTS>[0]);
  writeFileSync(
    join(GENERATED, 'schema.d.ts'),
    `// Generated from GET /openapi.json by web/scripts/build.ts. Do not edit.\n${astToString(ast)}`,
  );
};

export const buildPortal = async (opts: { typecheck?: boolean } = {}): Promise<void> => {
  const { openapi, kinds, hash } = inputs();
  await writeGenerated(openapi, kinds);
  if (opts.typecheck !== false) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', WEB], {
      stdio: 'inherit',
    });
  }
  const { build } = await import('vite');
  await build({ configFile: join(WEB, 'vite.config.ts'), root: WEB, logLevel: 'warn' });
  writeFileSync(STAMP, hash);
};

/** Builds the portal when web/dist is missing or older than its inputs; returns whether it built. */
export const ensurePortalBuilt = async (): Promise<boolean> => {
  const { hash } = inputs();
  if (existsSync(STAMP) && statSync(STAMP).isFile() && readFileSync(STAMP, 'utf8') === hash) return false;
  console.log('Building the portal (web/) …');
  await buildPortal({ typecheck: false });
  return true;
};

export const PORTAL_DIST = DIST;

/** Writes the generated API types and task kinds only (for `tsc -p web` without a bundle). */
export const generatePortalTypes = async (): Promise<void> => {
  const { openapi, kinds } = inputs();
  await writeGenerated(openapi, kinds);
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const run = args.includes('--generate-only')
    ? generatePortalTypes()
    : args.includes('--if-stale')
      ? ensurePortalBuilt()
      : buildPortal({ typecheck: !args.includes('--no-typecheck') });
  run.catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

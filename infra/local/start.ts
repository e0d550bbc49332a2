/**
 * `npm start`: the whole platform on this machine — DynamoDB Local (persisted in DATA_DIR), the HTTP
 * gateway, local Step Functions, the event bus and the scheduler — with demo data on first start.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePortalBuilt, PORTAL_DIST } from '../../web/scripts/build.js';
import { seedDemo } from './demo.js';
import { DEMO_ORGS } from './orgs.js';
import { type LocalRuntime, startLocalRuntime } from './runtime.js';

const dataDir = resolve(process.env.DATA_DIR ?? '.data');
const port = Number(process.env.PORT ?? 3000);
const stage = process.env.STAGE ?? 'local';

const main = async () => {
  mkdirSync(dataDir, { recursive: true });
  // The portal is built on first start and whenever its sources or the API's contract changed.
  if (process.env.PORTAL !== 'off') await ensurePortalBuilt();
  console.log(`Starting the platform (stage ${stage}, data in ${dataDir}) …`);
  let rt: LocalRuntime | undefined;
  const rtReady = startLocalRuntime({
    stage,
    dataDir,
    port,
    runSchedules: true,
    ...(process.env.PORTAL !== 'off' ? { webDir: PORTAL_DIST } : {}),
    logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'WARN',
    // DynamoDB Local died: say so and stop, rather than answer 500 to every request from now on.
    onFatal: (error) => {
      console.error(`\n${error.message}. Stopping; run \`npm start\` again (data in ${dataDir} is kept).`);
      void (rt?.stop() ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(1));
    },
  });
  rt = await rtReady;
  const marker = join(dataDir, `seeded-${stage}.json`);
  if (!existsSync(marker)) {
    console.log('First start: loading demo data through the API …');
    try {
      const seeded = await seedDemo(rt.url, rt.token);
      writeFileSync(marker, JSON.stringify({ at: new Date().toISOString(), ...seeded }, null, 2));
    } catch (e) {
      // A failed start leaves nothing running.
      await rt.stop().catch(() => undefined);
      throw e;
    }
  }
  const o = DEMO_ORGS;
  console.log(`
Platform running at ${rt.url}   (Ctrl-C stops; data persists in ${dataDir})
Portal (in a browser): ${rt.url}/        API also under ${rt.url}/api/…

Public, no token:
  curl ${rt.url}/catalog
  curl '${rt.url}/catalog?domain=transport'
  curl ${rt.url}/meta/domains
  curl ${rt.url}/public/products
  curl ${rt.url}/public/disclosures/${new Date().getFullYear()}
  curl ${rt.url}/openapi.json

A token for a role and organisation (unified social credit code):
  TOKEN=$(npm run -s token -- --role provider --org ${o.transport.code})

Then, as 市交通运输局 (provider):
  curl -H "authorization: Bearer $TOKEN" '${rt.url}/catalog?scope=mine'

Demo organisations:
${Object.values(o)
  .map((x) => `  ${x.code}  ${x.role.padEnd(10)} ${x.name}`)
  .join('\n')}

Operator tools (role admin): POST /_local/schedules/<name>/run, GET|POST /_local/clock {"now": "…"}, GET /_local/events
`);
  const shutdown = async () => {
    console.log('Stopping …');
    await rt.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

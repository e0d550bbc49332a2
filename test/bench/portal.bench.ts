/**
 * Issue 12 figures for `npm run bench`: the JavaScript each public page of the portal ships (gzipped,
 * as served) and its time to first render in headless Chromium (first contentful paint and the page's
 * heading visible), median of a few cold loads (a fresh browser context each: nothing cached).
 * Skipped when /usr/bin/chromium is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { seedDemo } from '../../infra/local/demo.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { ensurePortalBuilt, PORTAL_DIST } from '../../web/scripts/build.js';
import { CHROMIUM, launchChromium } from '../support/chromium.js';

type Print = (rows: (string | number)[][]) => void;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint: string;
  quick: boolean;
  print: Print;
}) => {
  console.log('\n== Portal: public pages (JS shipped gzipped, time to first render in headless Chromium) ==');
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM}`);
    return;
  }
  await ensurePortalBuilt();
  const rt = await startLocalRuntime({
    stage: 'bench-portal',
    dynamoEndpoint,
    logLevel: 'ERROR',
    webDir: PORTAL_DIST,
  });
  const browser = await launchChromium();
  try {
    await seedDemo(rt.url, rt.token);
    const entry = (
      (await (await fetch(`${rt.url}/api/catalog?limit=1`)).json()) as { items: { id: string }[] }
    ).items[0]?.id;
    const pages = ['/', '/catalog', `/catalog/${entry}`, '/announcements', '/operators'];
    const runs = quick ? 3 : 7;
    const rows: (string | number)[][] = [
      ['page', 'JS files', 'JS gzip kB', 'FCP ms (p50)', 'heading ms (p50)'],
    ];
    for (const path of pages) {
      const fcp: number[] = [];
      const heading: number[] = [];
      let js = new Set<string>();
      for (let i = 0; i < runs; i++) {
        const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
        const page = await ctx.newPage();
        const scripts = new Set<string>();
        page.on('response', (r) => {
          if ((r.headers()['content-type'] ?? '').includes('javascript'))
            scripts.add(new URL(r.url()).pathname);
        });
        const t0 = Date.now();
        await page.goto(`${rt.url}${path}`);
        await page.locator('h1').first().waitFor();
        heading.push(Date.now() - t0);
        await page.waitForLoadState('networkidle');
        fcp.push(
          await page.evaluate(
            () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
          ),
        );
        js = scripts;
        await ctx.close();
      }
      const bytes = [...js].reduce((n, p) => n + gzipSync(readFileSync(join(PORTAL_DIST, p))).length, 0);
      rows.push([
        path.replace(entry ?? '', '{id}'),
        js.size,
        (bytes / 1024).toFixed(1),
        median(fcp).toFixed(0),
        median(heading).toFixed(0),
      ]);
    }
    print(rows);
    console.log('Budget: public pages under 250 kB of gzipped JavaScript.');
  } finally {
    await browser.close();
    await rt.stop();
  }
};

/**
 * The browser tests' shared harness: one local runtime serving the built portal, one Chromium, and the
 * steps every test uses (a fresh session, axe-core, a visit with its screenshot, a demo sign-in).
 * `usePortal()` registers the beforeAll/afterAll of a describe block.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { seedDemo } from '../../infra/local/demo.js';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.js';
import { ensurePortalBuilt, PORTAL_DIST } from '../../web/scripts/build.js';
import { launchChromium } from '../support/chromium.js';

export type DemoSeed = Awaited<ReturnType<typeof seedDemo>>;

export { CHROMIUM, HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
export const SHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the current page: no serious or critical violation. */
export const checkA11y = async (page: Page, name: string) => {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await (
      globalThis as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
        };
      }
    ).axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
  });
  expect(violations, `axe on ${name}`).toEqual([]);
};

/** Waits until every antd select's option list has closed (its hiding animation included). */
export const selectsClosed = (page: Page) =>
  page
    .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')
    .first()
    .waitFor({ state: 'detached' });

/** Waits until antd's enter animations (a dialog zooming in, its mask fading) have finished. */
export const animationsDone = (page: Page) =>
  page.waitForFunction('!document.querySelector(\'[class*="-enter"], [class*="-appear"]\')');

export interface Portal {
  readonly rt: LocalRuntime;
  readonly demo: DemoSeed;
  /** Opens a fresh session (own storage) at the portal. */
  newPage(mobile?: boolean): Promise<{ ctx: BrowserContext; page: Page }>;
  /** Goes to a path, waits for the network, checks axe and (unless `shot` is false) takes a screenshot. */
  visit(page: Page, path: string, name: string, shot?: boolean | { fullPage: boolean }): Promise<void>;
  /** Signs in as a demo user from the local sign-in page. */
  signIn(page: Page, userId: string, next?: string): Promise<void>;
}

/**
 * Starts the runtime (own stage) with the demo seed and Chromium before the block's tests, stops them after.
 * `seed` runs once after the demo seed (e.g. to add records a test needs).
 */
export const usePortal = (
  opts: { seed?: (rt: LocalRuntime, demo: DemoSeed) => Promise<void> } = {},
): Portal => {
  let rt: LocalRuntime | undefined;
  let demo: DemoSeed | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensurePortalBuilt();
    rt = await startLocalRuntime({
      stage: `w${Math.random().toString(36).slice(2, 8)}`,
      dynamoEndpoint: inject('dynamoEndpoint'),
      logLevel: 'SILENT',
      webDir: PORTAL_DIST,
    });
    demo = await seedDemo(rt.url, rt.token);
    await opts.seed?.(rt, demo);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the portal is not started (usePortal in a describe block)');
    return v;
  };
  const portal: Portal = {
    get rt() {
      return started(rt);
    },
    get demo() {
      return started(demo);
    },
    async newPage(mobile = false) {
      const ctx = await started(browser).newContext({
        baseURL: started(rt).url,
        locale: 'zh-CN',
        viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 },
      });
      return { ctx, page: await ctx.newPage() };
    },
    async visit(page, path, name, shot = true) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      await checkA11y(page, name);
      if (shot)
        await page.screenshot({
          path: join(SHOTS, `${name}.png`),
          fullPage: typeof shot === 'object' && shot.fullPage,
        });
    },
    async signIn(page, userId, next = '') {
      await page.goto(`/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      const users = (await (await fetch(`${started(rt).url}/api/_local/demo-users`)).json()) as {
        items: { id: string; name: { zh: string } }[];
      };
      const who = users.items.find((u) => u.id === userId);
      if (!who) throw new Error(`no demo user ${userId}`);
      await page.getByRole('button', { name: `登录为 ${who.name.zh}` }).click();
      await page.getByTestId('whoami').waitFor();
    },
  };
  return portal;
};

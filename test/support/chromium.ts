/**
 * Debian's Chromium for the browser tests and the portal bench (browser downloads are not possible
 * here): its path, and a headless launch with the flags this machine needs. Free of vitest, so the
 * bench (plain tsx) can import it.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Headless Chromium: no sandbox, no GPU, no background network or component updates. */
export const launchChromium = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });

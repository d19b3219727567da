import type { Browser } from 'puppeteer-core';

/** The browser of the browser tests and the screenshots: Debian chromium unless $ABD_CHROMIUM. */
export const CHROMIUM = process.env.ABD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium as the browser tests drive it: no sandbox (containers run as root), and
 * nothing that reaches beyond loopback (no updates, sync or background networking).
 */
export async function launchChromium(userDataDir: string): Promise<Browser> {
  const { launch } = await import('puppeteer-core');
  return launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

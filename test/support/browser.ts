// Debian's headless Chromium for the browser suites, driven by playwright-core (which downloads
// no browser of its own). Every page gets a context of its own so cookies, routes and storage
// never leak between tests; every wait is bounded.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { withTimeout } from './with-timeout.js';

export type { Browser, Page };

export const CHROMIUM = '/usr/bin/chromium';
const WAIT = 15_000;
// No sandbox: the tests may run as root in a container. The rest keep it from calling home.
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts the browser; fails saying how to install it when it is missing. Close it with `browser.close()`. */
export async function launchChromium(timeout = WAIT): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: this test needs Debian's chromium. Install it (as root) with: apt-get update && apt-get install -y chromium`);
  return withTimeout(chromium.launch({ executablePath: CHROMIUM, timeout, args: ARGS }), timeout, 'launching chromium');
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Default for every wait and navigation on the page. */
  timeout?: number;
}

/** A fresh page in a browser context of its own; `closePage()` ends both. */
export async function newPage(browser: Browser, { viewport = { width: 1280, height: 900 }, timeout = WAIT }: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  return context.newPage();
}

export async function closePage(page: Page): Promise<void> {
  await page.context().close();
}

export interface ScreenshotPixels {
  width: number;
  height: number;
  /** Distinct RGB colours. */
  colours: number;
  /** Share of the pixels that are not (near) white, 0..1. */
  notWhite: number;
}

/** A full-page screenshot, decoded on a canvas in a fresh page, to tell a rendered page from a blank one. */
export async function screenshotPixels(browser: Browser, page: Page): Promise<ScreenshotPixels> {
  const png = await page.screenshot({ fullPage: true });
  const decoder = await newPage(browser);
  try {
    return await decoder.evaluate(async (src) => {
      // This runs in the page; the project's TypeScript has no DOM library, so name what is used.
      type Canvas = { width: number; height: number; getContext(kind: '2d'): { drawImage(image: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
      const dom = globalThis as unknown as { Image: new () => { src: string; width: number; height: number; decode(): Promise<void> }; document: { createElement(tag: 'canvas'): Canvas } };
      const { Image, document } = dom;
      const image = new Image();
      image.src = src;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      let notWhite = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        if (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240) notWhite++;
      }
      return { width: canvas.width, height: canvas.height, colours: colours.size, notWhite: notWhite / (data.length / 4) };
    }, `data:image/png;base64,${png.toString('base64')}`);
  } finally {
    await closePage(decoder);
  }
}

/**
 * What is wrong with a page's layout, in words (empty when nothing): a horizontal scrollbar, chart text
 * sticking out of its chart (a clipped legend), chart texts printed over each other.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // This runs in the page; the project's TypeScript has no DOM library, so name what is used.
    type Box = { left: number; right: number; top: number; bottom: number; width: number; height: number };
    type Element = { getBoundingClientRect(): Box; textContent: string | null; querySelectorAll(selector: string): ArrayLike<Element>; getAttribute(name: string): string | null };
    const dom = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): ArrayLike<Element> } };
    const problems: string[] = [];
    const { scrollWidth } = dom.document.documentElement;
    if (scrollWidth > dom.innerWidth) problems.push(`the page is ${scrollWidth} px wide in a ${dom.innerWidth} px window: it scrolls sideways`);
    for (const chart of Array.from(dom.document.querySelectorAll('svg[data-chart]'))) {
      const name = chart.getAttribute('data-chart');
      const frame = chart.getBoundingClientRect();
      const texts = Array.from(chart.querySelectorAll('text')).map((text) => ({ text: text.textContent ?? '', box: text.getBoundingClientRect() }));
      for (const { text, box } of texts) {
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) problems.push(`${name}: "${text}" sticks out of the chart`);
      }
      texts.forEach((a, i) => {
        for (const b of texts.slice(i + 1)) {
          const overlap = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left) > 1 && Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top) > 1;
          if (overlap) problems.push(`${name}: "${a.text}" and "${b.text}" are printed over each other`);
        }
      });
    }
    return problems;
  });
}

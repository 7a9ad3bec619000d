/**
 * The listener page in a real browser: headless Chromium opens /listen, presses play, and
 * the audio element's clock advances; the sky is there in words. Screenshots (desktop and
 * phone) go to test/artifacts/ for a person to look at.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { skipUnlessProgram, findProgram } from './support/programs.ts';
import { startStreamRig, type StreamRig } from './support/streamRig.ts';
import { listenPageHtml } from '../src/stream/listenPage.ts';

const skip = skipUnlessProgram('ffmpeg') || skipUnlessProgram('chromium');
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  // A fake audio sink: these machines have no sound card, and a real output that fails or
  // stalls stops the media clock the tests read (seen: a panel preview stuck at 0.046 s).
  '--disable-audio-output',
];

describe('listen page markup', () => {
  it('is one self-contained document: no external resources, the name escaped', () => {
    const html = listenPageHtml({ stationName: 'sky <choir>', streams: [{ path: '/live.ogg', contentType: 'audio/ogg' }] });
    assert.ok(!/(src|href)=["']?(https?:)?\/\//.test(html), 'nothing fetched from elsewhere');
    assert.ok(html.includes('sky &#60;choir&#62;'));
    assert.ok(html.includes('name="viewport"'));
  });
});

describe('listen page in Chromium', { skip }, () => {
  let rig: StreamRig;
  let browser: Browser;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    rig = await startStreamRig();
    browser = await chromium.launch({ executablePath: findProgram('chromium') ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await rig?.stop();
  });

  it('plays: press play and the audio clock advances; the sky is described', { timeout: 40_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${rig.http.url}/listen`);
    await page.waitForFunction(() => document.getElementById('words')?.textContent?.includes('wind'));
    await page.click('#play');
    await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 3, undefined, { timeout: 20_000 });
    const state = await page.evaluate(() => {
      const audio = document.getElementById('audio') as HTMLAudioElement;
      return { t: audio.currentTime, src: audio.currentSrc, paused: audio.paused, status: document.getElementById('status')?.textContent ?? '', words: document.getElementById('words')?.textContent ?? '' };
    });
    console.log(`# desktop: ${JSON.stringify(state)}`);
    assert.ok(state.t > 3 && !state.paused);
    assert.match(state.src, /\/live\.ogg/, 'Chromium plays the Opus stream');
    assert.match(state.status, /^Live/);
    assert.equal(state.words, 'Overcast, wind 8 m/s, pressure falling, a flock passed two minutes ago');
    assert.equal(rig.stream.listeners(), 1);
    await page.screenshot({ path: join(ARTIFACTS, 'listen.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone', { timeout: 30_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${rig.http.url}/listen`);
    await page.waitForFunction(() => document.getElementById('words')?.textContent?.includes('wind'));
    await page.tap('#play');
    await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).currentTime > 1, undefined, { timeout: 20_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
    const button = await page.locator('#play').boundingBox();
    assert.ok(button && button.width >= 44 && button.height >= 44, 'a play button big enough for a thumb');
    await page.screenshot({ path: join(ARTIFACTS, 'listen-phone.png') });
    await context.close();
  });
});

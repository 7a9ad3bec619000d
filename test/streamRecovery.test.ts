/**
 * The encoder is supervised and the lobby never notices: the mix tap keeps every block
 * through a stall of the JS thread; killing ffmpeg mid-stream restarts it, Ogg listeners
 * are ended (and can reconnect at once to a fresh stream), MP3 listeners ride through,
 * and the audio clock and the tap go on at real-time rate the whole time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AudioContext } from 'node-web-audio-api';
import { skipUnlessProgram } from './support/programs.ts';
import { startStreamRig } from './support/streamRig.ts';
import { startFloatTap, startMixTap } from '../src/stream/mixTap.ts';
import { OggPageSplitter } from '../src/stream/oggPages.ts';
import { decodeStream, analysePcm, bodyChunks } from './support/streamAnalysis.ts';

const skip = skipUnlessProgram('ffmpeg');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mix tap', () => {
  it('delivers every block, in order, through a 300 ms stall of the JS thread', async () => {
    const context = new AudioContext({ sinkId: { type: 'none' }, sampleRate: 48000 } as AudioContextOptions);
    const osc = context.createOscillator();
    osc.connect(context.destination);
    osc.start();
    const times: number[] = [];
    let bytes = 0;
    const tap = startMixTap(context, osc, (pcm, t) => {
      times.push(t);
      bytes += pcm.length;
    });
    try {
      await sleep(1000);
      const stallUntil = Date.now() + 300;
      while (Date.now() < stallUntil) {
        // the JS thread is busy: the render thread must not wait for us
      }
      await sleep(1000);
    } finally {
      tap.stop();
      osc.stop();
      await context.close();
    }
    // ~23 blocks at real time; a starved shared machine renders fewer, which is not the point here.
    assert.ok(times.length >= 8, `${times.length} blocks`);
    for (let i = 1; i < times.length; i++) {
      assert.ok(Math.abs((times[i] ?? 0) - (times[i - 1] ?? 0) - 4096 / 48000) < 1e-6, `block ${i} follows block ${i - 1}`);
    }
    assert.equal(bytes, times.length * 4096 * 4, 'stereo s16le, 4096 frames a block');
  });

  it('shares one processor among taps of the same node; the last to stop takes it away', async () => {
    const context = new AudioContext({ sinkId: { type: 'none' }, sampleRate: 48000 } as AudioContextOptions);
    const osc = context.createOscillator();
    osc.connect(context.destination);
    osc.start();
    let processors = 0;
    const create = context.createScriptProcessor.bind(context);
    context.createScriptProcessor = (...args: Parameters<typeof create>) => {
      processors++;
      return create(...args);
    };
    const seen: { first: number[]; second: number[] } = { first: [], second: [] };
    const samples: number[][] = [[], []];
    const first = startFloatTap(context, osc, ([left], t) => {
      seen.first.push(t);
      samples[0]?.push(left[100] ?? NaN);
    });
    const second = startFloatTap(context, osc, ([left], t) => {
      seen.second.push(t);
      samples[1]?.push(left[100] ?? NaN);
    });
    try {
      await sleep(600);
      first.stop();
      const firstBlocks = first.blocks;
      await sleep(400);
      assert.equal(processors, 1, 'one processor for both taps');
      assert.ok(firstBlocks >= 2, `${firstBlocks} blocks before the first stopped`);
      assert.equal(first.blocks, firstBlocks, 'a stopped tap hears nothing more');
      assert.ok(second.blocks > firstBlocks, `the other goes on (${second.blocks} blocks)`);
      assert.deepEqual(seen.second.slice(0, firstBlocks), seen.first, 'the same blocks, at the same times');
      assert.deepEqual(samples[1]?.slice(0, firstBlocks), samples[0], 'the same samples');
      second.stop();
      const last = second.blocks;
      const third = startFloatTap(context, osc, () => undefined);
      await sleep(300);
      assert.equal(processors, 2, 'after the last tap stopped, a new tap opens a new processor');
      assert.equal(second.blocks, last);
      assert.ok(third.blocks >= 1);
      // Stopping or abandoning a stopped tap again is nothing: it must not take the new processor away.
      second.stop();
      second.abandon();
      first.abandon();
      const fourth = startFloatTap(context, osc, () => undefined);
      assert.equal(processors, 2, 'a later tap still shares the live processor');
      third.stop();
      fourth.stop();
    } finally {
      osc.stop();
      await context.close();
    }
  });
});

describe('supervised encoders', { skip }, () => {
  it('restarts a killed ffmpeg; listeners reconnect or ride through; the audio never notices', { timeout: 50_000 }, async () => {
    const rig = await startStreamRig();
    try {
      await sleep(1500);
      const ogg = await fetch(`${rig.http.url}/live.ogg`);
      const mp3Abort = new AbortController();
      const mp3 = await fetch(`${rig.http.url}/live.mp3`, { signal: mp3Abort.signal });
      let oggEnded = false;
      let mp3Bytes = 0;
      const oggDone = (async () => {
        for await (const _ of bodyChunks(ogg.body)) void _;
        oggEnded = true;
      })();
      const mp3Reading = (async () => {
        try {
          for await (const chunk of bodyChunks(mp3.body)) mp3Bytes += chunk.length;
        } catch {
          // cancelled at the end
        }
      })();
      await sleep(1000);

      const audioT0 = rig.context.currentTime;
      const blocks0 = rig.stream.stats().tapBlocks;
      const wall0 = Date.now();
      const pids = rig.stream.encoderPids();
      assert.ok(pids.ogg && pids.mp3);
      process.kill(pids.ogg, 'SIGKILL');
      process.kill(pids.mp3, 'SIGKILL');

      await oggDone;
      assert.ok(oggEnded, 'the Ogg listener saw its stream end (the page reconnects)');
      for (let i = 0; i < 50 && !(rig.stream.encoderPids().ogg && rig.stream.encoderPids().mp3); i++) await sleep(100);
      const after = rig.stream.encoderPids();
      assert.ok(after.ogg && after.ogg !== pids.ogg, 'a new Ogg encoder runs');
      assert.ok(after.mp3 && after.mp3 !== pids.mp3, 'a new MP3 encoder runs');

      // A reconnecting Ogg listener gets a fresh stream that begins with its headers.
      const again = await fetch(`${rig.http.url}/live.ogg`);
      const pages = new OggPageSplitter();
      const first = [];
      for await (const chunk of bodyChunks(again.body)) {
        first.push(...pages.push(Buffer.from(chunk)));
        if (first.length >= 3) break;
      }
      await again.body?.cancel().catch(() => undefined);
      assert.equal(first[0]?.bos, true, 'first page is a BOS page');
      assert.equal(first[0]?.bytes.subarray(28, 36).toString('latin1'), 'OpusHead');

      const mp3Before = mp3Bytes;
      await sleep(2000);
      assert.ok(mp3Bytes - mp3Before > 16_000, `the MP3 listener kept receiving on the same connection (${mp3Bytes - mp3Before} bytes in 2 s)`);
      mp3Abort.abort();
      await mp3Reading;

      const decoded = await decodeStream(`${rig.http.url}/live.ogg`, 3);
      const report = analysePcm(decoded.pcm);
      assert.equal(report.gaps, 0, 'the restarted stream decodes without gaps');
      assert.ok(Math.abs(report.pitchHz - 440) < 3);

      const wallS = (Date.now() - wall0) / 1000;
      const audioS = rig.context.currentTime - audioT0;
      const blocks = rig.stream.stats().tapBlocks - blocks0;
      console.log(`# wall ${wallS.toFixed(2)} s, audio clock ${audioS.toFixed(2)} s, tap blocks ${blocks} (expected ${((wallS * 48000) / 4096).toFixed(1)})`);
      assert.equal(rig.context.state, 'running');
      // Real time within 0.5 s on a quiet machine (measured 3.70 s over 3.69 s); a starved shared
      // machine slows every render thread, so the bound is loose. What must hold is the next line.
      assert.ok(audioS > wallS * 0.7, `the audio clock ran on through the restarts (${audioS.toFixed(2)} s in ${wallS.toFixed(2)} s)`);
      assert.ok(Math.abs(blocks - (audioS * 48000) / 4096) <= 3, 'the tap took every block');
      const restarts = rig.stream.stats().encoders.map((e) => e.restarts);
      assert.deepEqual(restarts, [1, 1]);
      assert.ok(rig.logLines.some((l) => l.includes('ogg encoder exited (SIGKILL)')), 'the restart is logged with its cause');
    } finally {
      await rig.stop();
    }
  });
});

/**
 * The audio output's recovery, in this process, on real node-web-audio-api contexts:
 * the supervisor (src/audio/audioOutput.ts) notices a context whose clock has stopped and
 * moves to a headless one, then back to the device when it opens again; the relocatable
 * graph (src/audio/relocatableGraph.ts) carries the music to a graph on the new context.
 * The fault here is a real stopped clock (a suspended context) and a device whose
 * constructor fails; test/audioDevice.test.ts makes a real device vanish.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AudioContext } from 'node-web-audio-api';
import { AudioOutput, openHeadlessContext, closeWithin, type ContextChange } from '../src/audio/audioOutput.ts';
import { RelocatableGraph } from '../src/audio/relocatableGraph.ts';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import type { Decision } from '../src/conductor/decisions.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, what: string, ms = 10000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('audio output recovery', () => {
  it('a stopped clock moves the music to a headless context, and back to the device when it opens again', async () => {
    const lines: string[] = [];
    const log = createLogger('test', { write: (l) => lines.push(l) });
    let deviceGone = false;
    const deviceContexts: AudioContext[] = [];
    const changes: ContextChange['reason'][] = [];
    const output = new AudioOutput({
      device: 'default',
      log,
      // The "device" is a headless context here; while it is gone its constructor fails,
      // as node-web-audio-api's does when ALSA cannot open the PCM.
      openDevice: () => {
        if (deviceGone) throw new Error("cpal backend error: ALSA function 'snd_pcm_open' failed with error 'Connection refused (111)'");
        const c = openHeadlessContext();
        deviceContexts.push(c);
        return c;
      },
      // The real probe opens the machine's device in a child; here the device is the flag.
      probeDevice: async () => (deviceGone ? { ok: false, reason: 'Connection refused (111)' } : { ok: true }),
      stallS: 0.6,
      checkEveryMs: 100,
      firstRetryMs: 300,
      maxRetryMs: 600,
      onContext: (_c, change) => changes.push(change.reason),
    });
    const first = output.start();
    try {
      assert.deepEqual(changes, ['start']);
      assert.equal(output.stats().device, 'default');
      await waitFor(() => first.currentTime > 0.2, 'the device clock to run');
      // The fault: the device's clock stops (its state says nothing).
      deviceGone = true;
      await first.suspend();
      await waitFor(() => changes.includes('device lost'), 'the loss to be noticed', 5000);
      assert.equal(output.stats().device, 'none (headless: device lost, retrying)');
      assert.equal(output.stats().deviceLosses, 1);
      const headless = output.context;
      assert.notEqual(headless, first);
      const t0 = headless.currentTime;
      await sleep(400);
      assert.ok(headless.currentTime > t0, 'the headless clock runs');
      assert.ok(lines.some((l) => l.includes('audio device stopped')), 'the loss is logged');
      await sleep(900); // retries fail while the device is gone
      assert.ok(lines.some((l) => l.includes('audio device still missing')), 'failed retries are logged');
      deviceGone = false;
      await waitFor(() => changes.includes('device back'), 'the device to be back', 5000);
      assert.equal(output.stats().device, 'default');
      assert.equal(output.stats().deviceReturns, 1);
      assert.equal(output.context, deviceContexts.at(-1));
      assert.deepEqual(changes, ['start', 'device lost', 'device back']);
      // The first context was only stopped, not dead: once its clock moves it is closed, not left running.
      assert.equal(output.stats().abandonedContexts, 1);
      await first.resume();
      await waitFor(() => first.state === 'closed', 'a revived context to be closed', 5000);
      assert.equal(output.stats().abandonedContexts, 0);
      assert.ok(lines.some((l) => l.includes('runs again (it was only slow)')));
    } finally {
      await output.stop();
      for (const c of deviceContexts) await closeWithin(c, 500);
    }
  });

  it('a graph on a new context picks up the sounding voices, the layers and the master where the old one stopped', async () => {
    const samplesDir = DEFAULT_CONFIG.paths.samples;
    const a = openHeadlessContext();
    const b = openHeadlessContext();
    try {
      const bank = await SampleBank.load(loadSampleManifest(join(samplesDir, 'manifest.json')), samplesDir, a);
      const sampleId = bank.infos()[0]?.id ?? '';
      const graphA = new ChoirGraph(a, bank, { masterDb: -60, seed: 1 });
      const relocatable = new RelocatableGraph(graphA);
      const t = relocatable.now + 0.05;
      const voice = (voiceId: number, time: number, holdS: number): Decision => ({
        type: 'start', voiceId, time, layer: 'drone', sampleId, midi: 48, rate: 1, gainDb: -6, pan: 0, panTo: 0, attackS: 0.2, holdS, releaseS: 1,
      });
      relocatable.setMasterDb(-6, 0.05);
      relocatable.apply([
        { type: 'layer', time: t, layer: 'drone', gainDb: -3, lowpassHz: 3000, reverbSend: 0.2, rampS: 0.1 },
        voice(1, t, 30), // sounding through the move
        voice(2, t, 0.1), // over before the move
        voice(3, t + 5, 10), // planned, not yet begun at the move
        voice(4, t, 30),
        { type: 'release', voiceId: 4, time: t + 0.4, releaseS: 0.3, reason: 'stolen' }, // released before the move
      ]);
      await waitFor(() => graphA.outputRmsDbfs() > -40, 'the first graph to sing');
      await sleep(1000);
      const resumeAtS = relocatable.now;
      const graphB = new ChoirGraph(b, bank, { masterDb: -60, seed: 1 });
      relocatable.moveTo(graphB, resumeAtS);
      graphA.dispose();
      assert.equal(relocatable.current, graphB);
      assert.ok(Math.abs(relocatable.now - resumeAtS) < 0.5, `performance time continues: ${relocatable.now} vs ${resumeAtS}`);
      assert.equal(graphB.soundingVoices, 2, 'voice 1 again (fading in) and voice 3 as planned; 2 and 4 stay gone');
      // The master (-6 dB, not the graph's initial -60) and the drone layer are restored: it sings within the fade-in.
      await waitFor(() => graphB.outputRmsDbfs() > -40, 'the new graph to sing', 4000);
      // Decisions after the move land on the new graph, shifted to its clock.
      relocatable.apply([{ type: 'release', voiceId: 1, time: relocatable.now + 0.1, releaseS: 0.2, reason: 'stopped' }]);
      assert.ok(relocatable.voicesStarted >= 5, `${relocatable.voicesStarted} voices started over both graphs`);
      assert.equal(relocatable.relocations, 1);
      graphB.dispose();
    } finally {
      await closeWithin(a, 1000);
      await closeWithin(b, 1000);
    }
  });
});

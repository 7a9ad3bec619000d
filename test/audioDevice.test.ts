/**
 * The audio device disappearing and coming back (issue 7), on a running engine: a real
 * device that node-web-audio-api opens through cpal and ALSA (`default`, routed by ALSA's
 * pulse plugin to a private PulseAudio null sink; test/support/soundServer.ts), whose
 * sound server is killed mid-song and started again. The engine must move the music to a
 * headless context within seconds (stream and meters go on, no silence > 5 s), keep its
 * musical state, and sing to the device again once it is back, which we hear on the
 * sink's monitor.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessProgram } from './support/programs.ts';
import { startSoundServer } from './support/soundServer.ts';
import { startEngineProcess, watchSilence, waitUntil } from './support/engineProcess.ts';

const skip = skipUnlessProgram('pulseaudio') || skipUnlessProgram('parec');

describe('the audio device vanishing and coming back', { skip }, () => {
  it('moves to headless within seconds, keeps the music, and returns to the device', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-device-'));
    const server = await startSoundServer(dir);
    const engine = await startEngineProcess(
      dir,
      {
        http: { port: 0 },
        broker: { embedded: true, port: 0 },
        sky: { source: 'simulator', scenario: 'flock' },
        audio: { device: 'default' },
        paths: { store: join(dir, 'store.db') },
        stream: { formats: ['mp3'] },
      },
      server.env,
    ).catch(async (err: unknown) => {
      await server.stop();
      throw err;
    });
    let silence = { stop: () => 0, samples: () => 0 };
    try {
      await waitUntil(async () => {
        const h = await engine.health();
        return h.audio.device === 'default' && (h.audio.rmsDbfs ?? -200) > -50;
      }, 'the engine to sing to the device');
      const before = await engine.health();
      assert.ok((await server.sinkInputs()) >= 1, 'its stream is connected to the sink');
      assert.ok((await server.monitorRms(1500)) > -60, 'the choir reaches the device');
      silence = watchSilence(engine);

      // The device vanishes.
      await server.vanish();
      const lostAt = Date.now();
      await waitUntil(async () => (await engine.health()).audio.deviceLosses > before.audio.deviceLosses, 'the loss to be noticed', 10000);
      const lost = await engine.health();
      const noticedS = (Date.now() - lostAt) / 1000;
      assert.ok(noticedS < 5, `noticed after ${noticedS.toFixed(1)} s`);
      assert.equal(lost.audio.device, 'none (headless: device lost, retrying)');
      assert.ok(engine.logs.some((l) => l.includes('audio device stopped')), 'the loss is logged');
      // The dead stream's output thread spins (cpal); it must not starve the headless context.
      await waitUntil(() => engine.logs.some((l) => l.includes("the lost device's output thread")), 'the dead output thread to be quarantined', 3000);
      const metrics = await engine.text('/metrics');
      assert.match(metrics, new RegExp(`^skychoir_audio_device_losses_total ${lost.audio.deviceLosses}$`, 'm'));
      assert.match(metrics, /^skychoir_audio_headless 1$/m);

      // Headless, the music goes on: the clock moves, voices start, the stream is fed.
      await new Promise((r) => setTimeout(r, 4000));
      const headless = await engine.health();
      assert.equal(headless.audio.running, true);
      assert.ok(headless.audio.currentTimeS > lost.audio.currentTimeS + 2, `the music's clock goes on: ${lost.audio.currentTimeS} -> ${headless.audio.currentTimeS}`);
      assert.ok(headless.audio.voices > 0 && (headless.audio.rmsDbfs ?? -200) > -50, `the choir sings headless (${headless.audio.voices} voices, ${headless.audio.rmsDbfs} dBFS)`);
      assert.ok((headless.stream?.tapBlocks ?? 0) > (lost.stream?.tapBlocks ?? 0), 'the web stream is fed');
      // Musical state is the performance's, not the context's: nothing started over.
      assert.ok(headless.audio.currentTimeS > before.audio.currentTimeS, 'the music did not restart from 0');
      assert.equal(headless.music.movement, before.music.movement);
      assert.equal(headless.model.version, before.model.version);

      // The device comes back.
      await server.restore();
      await waitUntil(async () => (await engine.health()).audio.deviceReturns > lost.audio.deviceReturns, 'the device to be used again', 90000);
      const back = await engine.health();
      assert.equal(back.audio.device, 'default');
      await waitUntil(async () => (await server.sinkInputs()) >= 1, 'a stream on the sink again', 5000);
      // The voices fade back in (1.5 s); a loaded machine takes a while more to build the graph.
      let heard = -Infinity;
      await waitUntil(async () => (heard = await server.monitorRms(1000)) > -60, `the choir to reach the device again (last heard ${heard} dBFS)`, 20000);
      assert.ok(back.audio.currentTimeS > headless.audio.currentTimeS, 'one clock for the music throughout');
      assert.match(await engine.text('/metrics'), /^skychoir_audio_device_returns_total [1-9]\d*$/m);
    } catch (err) {
      console.error(`engine log:\n${engine.logs.filter((l) => l.startsWith('{')).slice(-25).join('\n')}`);
      throw err;
    } finally {
      const longest = silence.stop();
      const code = await engine.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      assert.ok(longest < 5, `silent for ${longest.toFixed(1)} s`);
      assert.equal(code, 0, `the engine stops cleanly after an abandoned context:\n${engine.logs.slice(-10).join('\n')}`);
    }
  });
});

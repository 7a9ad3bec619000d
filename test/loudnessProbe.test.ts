/**
 * The graph's own loudness probe (the leveller's ear) against BS.1770: a steady 1 kHz sine
 * at -20 dBFS on both channels of a pair reads -20.0 LUFS (the same figure as the offline
 * meter's tests), on 8 speakers the powers add, and silence reads -Infinity.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { OfflineAudioContext } from 'node-web-audio-api';
import { LoudnessProbe } from '../src/audio/loudnessProbe.ts';

async function probeSine(channels: number, amplitudeDbfs: number, hz: number): Promise<number> {
  const context = new OfflineAudioContext({ numberOfChannels: channels, length: 48000 * 3, sampleRate: 48000 });
  const mute = context.createGain();
  mute.gain.value = 0;
  mute.connect(context.destination);
  const merger = context.createChannelMerger(channels);
  if (amplitudeDbfs > -200) {
    const osc = context.createOscillator();
    osc.frequency.value = hz;
    const level = context.createGain();
    level.gain.value = 10 ** (amplitudeDbfs / 20);
    osc.connect(level);
    for (let c = 0; c < channels; c++) level.connect(merger, 0, c);
    osc.start(0);
  }
  const probe = new LoudnessProbe(context, merger, channels, mute);
  let reading = NaN;
  void context.suspend(2.5).then(() => {
    reading = probe.momentaryLufs();
    return context.resume();
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await context.startRendering();
  return reading;
}

it('a 1 kHz sine at -20 dBFS on a stereo pair reads -20.0 LUFS; at 100 Hz the K-weighting takes ~1.9 dB off', async () => {
  const at1k = await probeSine(2, -20, 1000);
  assert.ok(Math.abs(at1k - -20) < 0.15, `1 kHz: ${at1k.toFixed(2)} LUFS`);
  const at100 = await probeSine(2, -20, 100);
  // The RLB high-pass (38 Hz, Q 0.5) takes 1.2 dB at 100 Hz; the shelf adds 0.7 dB at 1 kHz.
  assert.ok(at100 < at1k - 1.5 && at100 > at1k - 2.3, `100 Hz: ${at100.toFixed(2)} LUFS`);
});

it('on 8 speakers the powers add (+6 dB over a pair), and silence reads -Infinity', async () => {
  const eight = await probeSine(8, -20, 1000);
  assert.ok(Math.abs(eight - (-20 + 10 * Math.log10(4))) < 0.2, `8 speakers: ${eight.toFixed(2)} LUFS`);
  assert.equal(await probeSine(2, -300, 1000), -Infinity);
});

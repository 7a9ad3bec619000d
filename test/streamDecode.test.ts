/**
 * Evidence that the streams are real: a live headless AudioContext sings a 440 Hz tone
 * through the mix tap and the encoders; ffmpeg, as a listener over HTTP, decodes 20 s of
 * each stream at once. Each must be valid, 48 kHz stereo, at the tone's level and pitch,
 * with no gap (no 10 ms window falls silent) and exactly 20 s long.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessProgram } from './support/programs.ts';
import { startStreamRig, type StreamRig } from './support/streamRig.ts';
import { decodeStream, analysePcm, bodyChunks } from './support/streamAnalysis.ts';
import { IcyReader } from '../src/stream/icyMetadata.ts';
import { Mp3FrameSplitter } from '../src/stream/mp3Frames.ts';

const skip = skipUnlessProgram('ffmpeg');
const SECONDS = 20;

describe('web stream, decoded by ffmpeg', { skip }, () => {
  let rig: StreamRig;

  before(async () => {
    rig = await startStreamRig();
    await new Promise((r) => setTimeout(r, 1500)); // a burst's worth of audio exists
  });

  after(async () => {
    await rig?.stop();
  });

  it('serves 20 s of Ogg/Opus and MP3 at 48 kHz, not silent, with no gaps', { timeout: 120_000 }, async () => {
    const droppedBefore = rig.stream.stats().encoders.map((e) => e.droppedBlocks);
    const [ogg, mp3] = await Promise.all([decodeStream(`${rig.http.url}/live.ogg`, SECONDS), decodeStream(`${rig.http.url}/live.mp3`, SECONDS)]);
    for (const [name, decoded, codec] of [['ogg', ogg, 'opus'], ['mp3', mp3, 'mp3']] as const) {
      assert.equal(decoded.code, 0, `${name}: ffmpeg failed: ${decoded.stderr.slice(-500)}`);
      assert.match(decoded.stderr, new RegExp(`Audio: ${codec}[^\\n]*48000 Hz, stereo`), `${name}: a 48 kHz stereo ${codec} stream`);
      const report = analysePcm(decoded.pcm);
      console.log(`# ${name}: ${JSON.stringify(report)}`);
      assert.ok(Math.abs(report.seconds - SECONDS) < 0.05, `${name}: ${report.seconds} s decoded`);
      assert.ok(report.rmsDbfs > -20 && report.rmsDbfs < -12, `${name}: level ${report.rmsDbfs.toFixed(1)} dBFS (the tone is -15 dBFS)`);
      assert.equal(report.gaps, 0, `${name}: ${report.gaps} gaps, quietest 10 ms ${report.quietestWindowDbfs.toFixed(1)} dBFS`);
      assert.ok(Math.abs(report.pitchHz - 440) < 2, `${name}: pitch ${report.pitchHz.toFixed(1)} Hz`);
    }
    // ffmpeg asks for ICY metadata by default: the MP3 stream told it the sky.
    assert.match(mp3.stderr, /StreamTitle\s*: skychoir: overcast, wind 8 m\/s, pressure falling, a flock passed two minutes ago/);
    const stats = rig.stream.stats();
    stats.encoders.forEach((e, i) => assert.equal(e.droppedBlocks - (droppedBefore[i] ?? 0), 0, `${e.name}: no PCM block dropped while listening`));
  });

  it('sends Icecast headers and ICY titles between whole MP3 frames', async () => {
    const res = await fetch(`${rig.http.url}/live.mp3`, { headers: { 'icy-metadata': '1' } });
    assert.equal(res.headers.get('content-type'), 'audio/mpeg');
    assert.equal(res.headers.get('icy-name'), 'skychoir');
    assert.equal(res.headers.get('icy-br'), '128');
    const metaint = Number(res.headers.get('icy-metaint'));
    assert.equal(metaint, 16000);
    const reader = new IcyReader(metaint);
    const frames = new Mp3FrameSplitter();
    let audioFrames = 0;
    assert.ok(res.body);
    for await (const chunk of bodyChunks(res.body)) {
      for (const audio of reader.push(Buffer.from(chunk))) audioFrames += frames.push(audio).length;
      if (reader.titles.length > 0 && audioFrames > 100) break;
    }
    await res.body.cancel().catch(() => undefined);
    assert.deepEqual(reader.titles.slice(0, 1), ['skychoir: overcast, wind 8 m/s, pressure falling, a flock passed two minutes ago']);
    assert.equal(frames.skippedBytes, 0, 'the listener starts on a frame and ICY blocks never corrupt one');
    const now = (await (await fetch(`${rig.http.url}/now`)).json()) as { words: { text: string }; listeners: { total: number } };
    assert.equal(now.words.text, 'overcast, wind 8 m/s, pressure falling, a flock passed two minutes ago');
  });
});

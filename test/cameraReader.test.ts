/**
 * The camera reader end to end: a synthetic sky clip is encoded to a real video file,
 * decoded by ffmpeg through the frame source, analysed, and published to the embedded
 * broker; a plain MQTT subscriber checks every message against the contract parser.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { parseSensorMessage, type SensorMessage, type SensorState, type SkyEvent } from '../src/ingest/sensorMessage.ts';
import { CameraReader } from '../sensors/camera/cameraReader.ts';
import { FrameSource, ffmpegArgs, inputKindOf } from '../sensors/camera/frameSource.ts';
import { syntheticSkyClip, writeSkyClipFile } from '../sensors/camera/syntheticSky.ts';
import { cameraCommand } from '../src/cli/cameraCommand.ts';
import { skipUnlessProgram } from './support/programs.ts';

const skip = skipUnlessProgram('ffmpeg');
const NOON_NY = Date.parse('2026-06-21T16:00:00Z');
const NY = { latitudeDeg: 40.75, longitudeDeg: -73.99 };

describe('frame source arguments', () => {
  it('knows devices, streams and files apart', () => {
    assert.equal(inputKindOf('/dev/video0'), 'v4l2');
    assert.equal(inputKindOf('rtsp://cam.local/stream1'), 'stream');
    assert.equal(inputKindOf('clips/sky.mp4'), 'file');
    const v4l2 = ffmpegArgs({ input: '/dev/video0', width: 320, height: 240, fps: 4 });
    assert.deepEqual(v4l2.slice(v4l2.indexOf('-f'), v4l2.indexOf('-f') + 4), ['-f', 'v4l2', '-i', '/dev/video0']);
    assert.ok(ffmpegArgs({ input: 'rtsp://x/y', width: 320, height: 240, fps: 4 }).includes('-rtsp_transport'));
    const file = ffmpegArgs({ input: 'a.mp4', width: 160, height: 120, fps: 2, loop: true });
    assert.ok(file.includes('-re') && file.includes('-stream_loop'));
    assert.ok(file.includes('scale=160:120,fps=2'));
    assert.deepEqual(file.slice(-5), ['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  });
});

describe('camera CLI', () => {
  it('prints its usage and refuses bad options', async () => {
    assert.equal(await cameraCommand(['--help']), 0);
    await assert.rejects(cameraCommand(['--lat', '40', '--lon', '-74']), /--input is required/);
    await assert.rejects(cameraCommand(['--input', 'a.mp4']), /--lat and --lon are required/);
    await assert.rejects(cameraCommand(['--input', 'a.mp4', '--lat', '95', '--lon', '0']), /--lat must be a number in -90..90/);
    await assert.rejects(cameraCommand(['--input', '/dev/video0', '--lat', '1', '--lon', '1', '--loop']), /--loop only applies/);
  });
});

describe('camera reader through ffmpeg and MQTT', { skip }, () => {
  let dir = '';
  let clipPath = '';
  let broker: EmbeddedBroker;
  const CLIP_S = 24;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skychoir-camera-'));
    clipPath = join(dir, 'sky.mp4');
    const clip = syntheticSkyClip({
      width: 256,
      height: 192,
      fps: 4,
      durationS: CLIP_S,
      seed: 42,
      cloudCover: 0.4,
      flocks: [{ startS: 2, durationS: 8, count: 12, x: 0.2, y: 0.6, headingDeg: 70, speed: 0.08, spread: 0.08 }],
      aircraft: [{ startS: 11, durationS: 11, x: 0.8, y: 0.3, headingDeg: 250, speed: 0.045 }],
    });
    await writeSkyClipFile(clip, clipPath);
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes retained cloud cover and brightness, flock and aircraft events, and availability', async () => {
    const received: { topic: string; retain: boolean; message: SensorMessage }[] = [];
    const rejected: string[] = [];
    const subscriber = mqtt.connect(broker.url, { clientId: 'camera-test-subscriber' });
    subscriber.on('message', (topic, payload, packet) => {
      const result = parseSensorMessage(topic, payload);
      if (result.ok) received.push({ topic, retain: packet.retain, message: result.message });
      else rejected.push(`${result.rejection.reason}: ${result.rejection.message}`);
    });
    await subscriber.subscribeAsync('skychoir/lobby/sensor/sky-camera/#', { qos: 1 });

    const reader = new CameraReader({
      brokerUrl: broker.url,
      site: 'lobby',
      sensorId: 'sky-camera',
      location: NY,
      source: { input: clipPath, width: 256, height: 192, fps: 4, realtime: false, startMs: NOON_NY },
      statePeriodS: 5,
    });
    const before = readdirSync(dir).sort();
    reader.start();
    await reader.ended;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await reader.stop();
    await reader.stop(); // twice is harmless
    await new Promise((resolve) => setTimeout(resolve, 300));
    await subscriber.endAsync();

    assert.deepEqual(rejected, []);
    // Privacy: the reader wrote nothing next to the clip (and no debugDir was given).
    assert.deepEqual(readdirSync(dir).sort(), before);

    const states = received.filter((r) => r.message.kind === 'state').map((r) => r.message as SensorState);
    assert.ok(states.length >= 4, `${states.length} states`);
    for (const s of states) {
      const cover = s.readings.find((r) => r.quantity === 'cloud_cover')?.value;
      const brightness = s.readings.find((r) => r.quantity === 'brightness')?.value;
      assert.ok(cover !== undefined && Math.abs(cover - 0.4) <= 0.1, `cloud cover ${cover}`);
      assert.ok(brightness !== undefined && brightness > 0.2 && brightness < 0.95, `brightness ${brightness}`);
      assert.ok(s.measuredAtMs >= NOON_NY && s.measuredAtMs <= NOON_NY + CLIP_S * 1000);
    }
    assert.ok(received.filter((r) => r.message.kind === 'state').every((r) => r.topic.endsWith('/state')));

    const events = received.filter((r) => r.message.kind === 'event').map((r) => r.message as SkyEvent);
    const kinds = events.map((e) => e.event);
    assert.deepEqual(kinds.filter((k) => k === 'flock').length, 1, JSON.stringify(events));
    assert.deepEqual(kinds.filter((k) => k === 'aircraft').length, 1, JSON.stringify(events));
    assert.ok(received.filter((r) => r.message.kind === 'event').every((r) => !r.retain));
    const flock = events.find((e) => e.event === 'flock') as SkyEvent;
    assert.ok(flock.count >= 6, `flock count ${flock.count}`);
    const aircraft = events.find((e) => e.event === 'aircraft') as SkyEvent;
    assert.ok(aircraft.headingDeg !== undefined && Math.abs(aircraft.headingDeg - 250) < 15, `aircraft heading ${aircraft.headingDeg}`);

    const availability = received.filter((r) => r.message.kind === 'availability').map((r) => (r.message as { online: boolean }).online);
    assert.equal(availability[0], true);
    assert.equal(availability[availability.length - 1], false);
    console.log(`# states ${states.length}, events ${kinds.join(', ')}`);
  });

  it('restarts ffmpeg with backoff when it fails, and stops cleanly twice', async () => {
    const troubles: number[] = [];
    const source = new FrameSource({
      input: join(dir, 'missing.mp4'),
      width: 32,
      height: 24,
      fps: 2,
      onFrame: () => assert.fail('no frames from a missing file'),
      onTrouble: (message, retryInMs) => {
        assert.match(message, /ffmpeg stopped/);
        troubles.push(retryInMs);
      },
    });
    source.start();
    const deadline = Date.now() + 8000;
    while (troubles.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await source.stop();
    await source.stop();
    assert.deepEqual(troubles.slice(0, 2), [1000, 2000]);
    assert.ok(source.restarts >= 1);
  });

  it('loops a file and delivers whole frames until stopped', async () => {
    let frames = 0;
    let badFrames = 0;
    const source = new FrameSource({
      input: clipPath,
      width: 64,
      height: 48,
      fps: 4,
      loop: true,
      realtime: false,
      startMs: 0,
      onFrame: (frame, atMs) => {
        if (frame.data.length !== 64 * 48 * 3 || atMs !== (frames * 1000) / 4) badFrames++;
        frames++;
      },
    });
    source.start();
    const want = CLIP_S * 4 + 20;
    const deadline = Date.now() + 15_000;
    while (frames < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await source.stop();
    await source.stop();
    assert.ok(frames >= want, `${frames} frames, want more than one pass (${CLIP_S * 4})`);
    assert.equal(badFrames, 0);
  });
});

/**
 * Flocks, aircraft and single birds in synthetic sky video with known truth: recall and
 * false events over several seeds and cloud covers, through the whole frame analysis
 * (background subtraction, top-hat, blobs, tracking, classification, rate limits).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomSkyScenario, syntheticSkyClip, type TrueSkyEvent } from '../sensors/camera/syntheticSky.ts';
import { SkyAnalyzer } from '../sensors/camera/skyAnalyzer.ts';
import { groupBlobs, type CameraSkyEvent } from '../sensors/camera/skyEventDetector.ts';
import { headingDegOf, trackShape } from '../sensors/camera/objectTracker.ts';

const WIDTH = 256;
const HEIGHT = 192;
const FPS = 4;
const DURATION_S = 48;

interface Score {
  truth: Record<string, number>;
  found: Record<string, number>;
  falseEvents: number;
  minutes: number;
  headingErrorsDeg: number[];
}

function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

function runClip(seed: number, cloudCover: number, score: Score): void {
  const clip = syntheticSkyClip({
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    durationS: DURATION_S,
    seed,
    cloudCover,
    ...randomSkyScenario(seed, DURATION_S),
  });
  const analyzer = new SkyAnalyzer();
  const detected: CameraSkyEvent[] = [];
  for (let i = 0; i < clip.frameCount; i++) detected.push(...analyzer.analyze(clip.frameAt(i), (i * 1000) / FPS).events);
  detected.push(...analyzer.finish(DURATION_S * 1000));
  const used = new Set<number>();
  const matches = (e: CameraSkyEvent, t: TrueSkyEvent): boolean =>
    e.kind === t.kind && e.atMs / 1000 >= t.startS - 1 && e.atMs / 1000 <= t.endS + 2.5;
  for (const t of clip.events) {
    score.truth[t.kind] = (score.truth[t.kind] ?? 0) + 1;
    const m = detected.findIndex((e, j) => !used.has(j) && matches(e, t));
    if (m < 0) continue;
    used.add(m);
    score.found[t.kind] = (score.found[t.kind] ?? 0) + 1;
    if (t.kind !== 'bird') score.headingErrorsDeg.push(angleDiff((detected[m] as CameraSkyEvent).headingDeg, t.headingDeg));
  }
  score.falseEvents += detected.length - used.size;
  score.minutes += DURATION_S / 60;
}

describe('sky events in synthetic video', () => {
  it('finds >= 90% of flocks and aircraft with <= 1 false event a minute', () => {
    const score: Score = { truth: {}, found: {}, falseEvents: 0, minutes: 0, headingErrorsDeg: [] };
    const runs: [number, number][] = [
      [101, 0],
      [102, 0.3],
      [103, 0.5],
      [104, 0.2],
    ];
    for (const [seed, cover] of runs) runClip(seed, cover, score);
    const recall = (kind: string): number => (score.found[kind] ?? 0) / (score.truth[kind] ?? 1);
    const falsePerMin = score.falseEvents / score.minutes;
    const meanHeadingError = score.headingErrorsDeg.reduce((s, e) => s + e, 0) / Math.max(1, score.headingErrorsDeg.length);
    console.log(
      `# flock ${score.found.flock ?? 0}/${score.truth.flock}, aircraft ${score.found.aircraft ?? 0}/${score.truth.aircraft}, ` +
        `bird ${score.found.bird ?? 0}/${score.truth.bird}, false ${score.falseEvents} in ${score.minutes.toFixed(1)} min, ` +
        `mean heading error ${meanHeadingError.toFixed(1)} deg`,
    );
    assert.ok((score.truth.flock ?? 0) >= 4 && (score.truth.aircraft ?? 0) >= 4, 'scenarios too small to measure recall');
    assert.ok(recall('flock') >= 0.9, `flock recall ${recall('flock')}`);
    assert.ok(recall('aircraft') >= 0.9, `aircraft recall ${recall('aircraft')}`);
    assert.ok(falsePerMin <= 1, `${falsePerMin.toFixed(2)} false events per minute`);
    assert.ok(meanHeadingError < 20, `mean heading error ${meanHeadingError.toFixed(1)} deg`);
  });

  it('reports one passing flock as one event, with its size and heading', () => {
    const clip = syntheticSkyClip({
      width: WIDTH,
      height: HEIGHT,
      fps: FPS,
      durationS: 14,
      seed: 7,
      cloudCover: 0.2,
      flocks: [{ startS: 1, durationS: 11, count: 12, x: 0.15, y: 0.5, headingDeg: 90, speed: 0.06, spread: 0.08 }],
    });
    const analyzer = new SkyAnalyzer();
    const events: CameraSkyEvent[] = [];
    for (let i = 0; i < clip.frameCount; i++) events.push(...analyzer.analyze(clip.frameAt(i), (i * 1000) / FPS).events);
    events.push(...analyzer.finish(14_000));
    assert.equal(events.length, 1, JSON.stringify(events));
    const [flock] = events as [CameraSkyEvent];
    assert.equal(flock.kind, 'flock');
    assert.ok(flock.count >= 8 && flock.count <= 14, `count ${flock.count}`);
    assert.ok(angleDiff(flock.headingDeg, 90) < 15, `heading ${flock.headingDeg}`);
    assert.ok(flock.confidence > 0.5 && flock.confidence <= 1);
  });
});

describe('tracking geometry', () => {
  it('headings are clockwise from up the image', () => {
    assert.equal(headingDegOf(0, -1), 0);
    assert.equal(headingDegOf(1, 0), 90);
    assert.equal(headingDegOf(0, 1), 180);
    assert.equal(headingDegOf(-1, 0), 270);
  });

  it('a straight steady track is straight and steady; a zigzag is not', () => {
    const straight = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 250, x: 10 + 3 * i, y: 50, size: 6 }));
    const s = trackShape(straight);
    assert.ok(s.lineRmsPx < 0.01 && s.speedVariation < 0.01);
    assert.ok(Math.abs(s.displacementPx - s.pathPx) < 1e-9);
    assert.equal(s.headingDeg, 90);
    const zigzag = Array.from({ length: 20 }, (_, i) => ({ atMs: i * 250, x: 10 + 3 * i, y: 50 + (i % 8 < 4 ? 3 * (i % 8) : 3 * (8 - (i % 8))), size: 6 }));
    const z = trackShape(zigzag);
    assert.ok(z.displacementPx / z.pathPx < 0.95);
  });

  it('groups blobs by single linkage', () => {
    const blob = (x: number, y: number) => ({ x, y, area: 5, contrast: 80 });
    const groups = groupBlobs([blob(0, 0), blob(5, 0), blob(10, 0), blob(100, 100)], 6);
    assert.deepEqual(groups.map((g) => g.length).sort(), [1, 3]);
  });
});

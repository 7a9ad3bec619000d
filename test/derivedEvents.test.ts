/** Events the engine sees in the feature stream itself. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DerivedEventDetector } from '../src/features/derivedEvents.ts';
import { featureVectorFrom } from '../src/features/featureVector.ts';
import type { SkyEventKind } from '../src/ingest/sensorMessage.ts';

const MIN = 60_000;

function run(steps: { atMin: number; f: Parameters<typeof featureVectorFrom>[0] }[]): { atMin: number; kind: SkyEventKind }[] {
  const d = new DerivedEventDetector();
  return steps.flatMap((s) => d.update(featureVectorFrom(s.f), s.atMin * MIN).map((kind) => ({ atMin: s.atMin, kind })));
}

it('sunrise and sunset when the sun crosses the horizon, once each', () => {
  const steps = [-0.05, -0.01, 0.01, 0.05, 0.04, 0.01, -0.02, -0.1].map((e, i) => ({ atMin: i * 10, f: { sun_elevation: e } }));
  assert.deepEqual(run(steps), [
    { atMin: 20, kind: 'sunrise' },
    { atMin: 60, kind: 'sunset' },
  ]);
});

it('rain onset after ten dry minutes, not when rain flickers', () => {
  const rain = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0.3, 0.01, 0.2, 0.3];
  const events = run(rain.map((r, i) => ({ atMin: i, f: { precipitation: r } })));
  assert.deepEqual(events, [{ atMin: 11, kind: 'rain_onset' }]);
});

it('a sharp pressure change fires once and re-arms when it has passed', () => {
  const tendency = [0, -0.2, -0.55, -0.7, -0.6, -0.2, -0.1, -0.6];
  const events = run(tendency.map((t, i) => ({ atMin: i * 30, f: { pressure_tendency_3h: t } })));
  assert.deepEqual(events.map((e) => e.atMin), [60, 210]);
  assert.ok(events.every((e) => e.kind === 'pressure_jump'));
});

it('a cloud front when cover rises by 0.3 within 15 minutes', () => {
  const cover = [0.1, 0.12, 0.15, 0.25, 0.45, 0.6, 0.7, 0.7];
  const events = run(cover.map((c, i) => ({ atMin: i * 3, f: { cloud_cover: c } })));
  assert.deepEqual(events, [{ atMin: 12, kind: 'cloud_front' }]);
  const slow = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((c, i) => ({ atMin: i * 20, f: { cloud_cover: c } }));
  assert.deepEqual(run(slow), [], 'a slow thickening over hours is no front');
});

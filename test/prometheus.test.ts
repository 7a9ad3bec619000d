import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetrics } from '../src/ops/prometheus.ts';
import { engineMetrics, readiness } from '../src/engine/engineMetrics.ts';
import type { HealthReport } from '../src/engine/liveEngine.ts';

it('formats the Prometheus text format with escaped labels and skips unknown values', () => {
  const text = formatMetrics([
    { name: 'a_total', help: 'A count', type: 'counter', samples: [{ value: 3, labels: { reason: 'say "hi"\\now' } }] },
    { name: 'b', help: 'B', type: 'gauge', samples: [{ value: null }, { value: -Infinity }] },
  ]);
  assert.equal(text, '# HELP a_total A count\n# TYPE a_total counter\na_total{reason="say \\"hi\\"\\\\now"} 3\n# HELP b B\n# TYPE b gauge\nb -Inf\n');
});

function health(over: Partial<HealthReport['audio']>, sensors: HealthReport['sensors'], model = 'default-1'): HealthReport {
  return {
    status: 'ok',
    uptimeS: 1,
    site: 's',
    audio: { device: 'none', running: true, deviceLosses: 0, deviceReturns: 0, currentTimeS: 1, rmsDbfs: -20, layerRmsDbfs: {}, levellerDb: 0, nodeCollections: 2, voices: 3, voicesStarted: 3, stats: { averageLoad: null, peakLoad: null, underrunRatio: null, underrunDurationS: null, underrunEvents: null, playedS: null }, firstSoundS: null, loudness: { momentaryLufs: -19.2, shortTermLufs: -18.4 }, ...over },
    model: { version: model, errors: 0 },
    control: { immediateUpdates: 0, latencyMs: null },
    broker: { url: '', embedded: true, connected: true, refusals: { auth: 0, publish: 0, subscribe: 0 } },
    sky: '',
    stream: null,
    history: { rowsWritten: 1440, eventsWritten: 50, writeErrors: 1, droppedRows: 0, droppedEvents: 0, prunedRows: 0, prunedEvents: 0, pendingRows: 13, pendingEvents: 0 },
    music: { movement: 'noon', mode: 'ionian', chordDegree: 1, motifs: [] },
    sensors,
    ingest: { accepted: 0, dropped: {}, droppedReadings: {} },
    features: {},
    controls: {},
  };
}

it('exports the live loudness and the history counters', () => {
  const text = formatMetrics(engineMetrics(health({}, [])));
  assert.match(text, /^skychoir_audio_loudness_momentary_lufs -19\.2$/m);
  assert.match(text, /^skychoir_audio_loudness_short_term_lufs -18\.4$/m);
  assert.match(text, /^# TYPE skychoir_audio_node_collections_total counter\nskychoir_audio_node_collections_total 2$/m);
  assert.match(text, /^# TYPE skychoir_history_rows_written_total counter\nskychoir_history_rows_written_total 1440$/m);
  assert.match(text, /^skychoir_history_write_errors_total 1$/m);
  assert.match(text, /^skychoir_history_dropped_total\{what="rows"\} 0$/m);
  const unmeasured = formatMetrics(engineMetrics({ ...health({ loudness: { momentaryLufs: null, shortTermLufs: null } }, []), history: null }));
  assert.doesNotMatch(unmeasured, /^skychoir_audio_loudness_momentary_lufs /m, 'not measured yet: no sample');
  assert.doesNotMatch(unmeasured, /skychoir_history_rows_written_total/, 'no store: no history counters');
});

it('is ready with audio, a trained model and a fresh sensor; says why not otherwise', () => {
  const fresh = [{ id: 'w', online: true, ageS: 3, stale: false }];
  assert.deepEqual(readiness(health({}, fresh)), { ready: true, reasons: [] });
  const stale = readiness(health({}, [...fresh, { id: 'b', online: true, ageS: 900, stale: true }]));
  assert.equal(stale.ready, true, 'one stale sensor degrades, it does not block');
  assert.deepEqual(stale.reasons, ["sensor 'b' is stale or offline"]);
  assert.equal(readiness(health({ running: false }, fresh)).ready, false);
  assert.equal(readiness(health({}, fresh, 'fallback-neutral')).ready, false);
  const none = readiness(health({}, []));
  assert.equal(none.ready, false);
  assert.match(none.reasons.join(), /no sensor has reported/);
});

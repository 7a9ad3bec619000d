/** The engine's health as Prometheus metrics and as a readiness verdict. */
import type { MetricFamily } from '../ops/prometheus.ts';
import type { HealthReport } from './liveEngine.ts';

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export function readiness(h: HealthReport): Readiness {
  const reasons: string[] = [];
  if (!h.audio.running) reasons.push('audio is not running');
  if (h.model.version === 'none' || h.model.version === 'fallback-neutral') reasons.push(`no trained model loaded (${h.model.version})`);
  // Fresh: online and reported within the hold time (config freshness.staleAfterS).
  const fresh = h.sensors.filter((s) => s.online && !s.stale);
  if (fresh.length === 0) reasons.push('no sensor has reported within its hold time');
  for (const s of h.sensors) {
    if (!s.online || s.stale) reasons.push(`sensor '${s.id}' is stale or offline`);
  }
  // Stale single sensors degrade the music (their quantities drift to typical) but the
  // engine is still ready to serve; only no fresh sensor at all, no audio or no model is not.
  const blocking = reasons.filter((r) => !r.startsWith('sensor '));
  return { ready: blocking.length === 0, reasons };
}

/** The record in the store: rows and events written, failed writes, what was given up. */
function historyMetrics(history: HealthReport['history']): MetricFamily[] {
  if (!history) return [];
  const counter = (name: string, help: string, value: number, labels?: Record<string, string>): MetricFamily => ({ name, help, type: 'counter', samples: [{ value, labels }] });
  return [
    counter('skychoir_history_rows_written_total', 'Sensor history rows (one series, one minute) written to the store', history.rowsWritten),
    counter('skychoir_history_events_written_total', 'Event log entries written to the store', history.eventsWritten),
    counter('skychoir_history_write_errors_total', 'History or event writes (and prunes) that failed; their rows were kept for the next try', history.writeErrors),
    {
      name: 'skychoir_history_dropped_total',
      help: 'History rows and events given up after the store could not be written for too long',
      type: 'counter',
      samples: [
        { labels: { what: 'rows' }, value: history.droppedRows },
        { labels: { what: 'events' }, value: history.droppedEvents },
      ],
    },
    { name: 'skychoir_history_pending_rows', help: 'History rows in memory, not yet written', type: 'gauge', samples: [{ value: history.pendingRows }] },
  ];
}

export function engineMetrics(h: HealthReport, extra: { listeners?: number } = {}): MetricFamily[] {
  const gauge = (name: string, help: string, value: number | null, labels?: Record<string, string>): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: [{ value, labels }],
  });
  const counterBy = (name: string, help: string, byReason: Record<string, number>): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: Object.entries(byReason).map(([reason, value]) => ({ labels: { [name.includes('refusals') ? 'kind' : 'reason']: reason }, value })),
  });
  const stats = h.audio.stats;
  return [
    gauge('skychoir_up', 'Always 1 while the engine answers', 1),
    gauge('skychoir_uptime_seconds', 'Seconds since the engine started', h.uptimeS),
    gauge('skychoir_audio_running', '1 while the audio context runs and its clock advances', h.audio.running ? 1 : 0),
    gauge('skychoir_audio_headless', '1 while singing to no device (configured so, or the device is lost)', h.audio.device.startsWith('none') ? 1 : 0),
    { name: 'skychoir_audio_device_losses_total', help: 'Times the audio device was lost and the music moved to a headless context', type: 'counter', samples: [{ value: h.audio.deviceLosses }] },
    { name: 'skychoir_audio_device_returns_total', help: 'Times the audio device came back and the music moved back to it', type: 'counter', samples: [{ value: h.audio.deviceReturns }] },
    gauge('skychoir_audio_output_rms_dbfs', 'Output level over the last ~43 ms (dBFS)', h.audio.rmsDbfs ?? -200),
    gauge('skychoir_audio_loudness_momentary_lufs', 'Loudness of the live mix over the last 400 ms (EBU R128 momentary, LUFS)', h.audio.loudness.momentaryLufs),
    gauge('skychoir_audio_loudness_short_term_lufs', 'Loudness of the live mix over the last 3 s (EBU R128 short-term, LUFS)', h.audio.loudness.shortTermLufs),
    gauge('skychoir_audio_leveller_db', 'The slow loudness leveller\'s offset on the master (dB; it keeps the long run near audio.loudnessTargetLufs)', h.audio.levellerDb),
    gauge('skychoir_audio_voices', 'Voices sounding now', h.audio.voices),
    { name: 'skychoir_audio_node_collections_total', help: 'Full garbage collections asked for so that ended audio nodes leave the render thread (one per 128 nodes made)', type: 'counter', samples: [{ value: h.audio.nodeCollections }] },
    { name: 'skychoir_audio_voices_started_total', help: 'Voices started since start-up', type: 'counter', samples: [{ value: h.audio.voicesStarted }] },
    gauge('skychoir_audio_render_load', 'Average render load over the last second (1 = the whole budget)', stats.averageLoad),
    gauge('skychoir_audio_render_peak_load', 'Peak render load over the last second', stats.peakLoad),
    gauge('skychoir_audio_underrun_ratio', 'Share of render quanta that missed their deadline in the last second', stats.underrunRatio),
    { name: 'skychoir_audio_underrun_seconds_total', help: 'Time the device was starved of audio', type: 'counter', samples: [{ value: stats.underrunDurationS }] },
    { name: 'skychoir_audio_underrun_events_total', help: 'Underrun events', type: 'counter', samples: [{ value: stats.underrunEvents }] },
    gauge('skychoir_model_info', 'The mapping model playing (value 1)', 1, { version: h.model.version }),
    { name: 'skychoir_model_errors_total', help: 'Model calls that failed (controls were held)', type: 'counter', samples: [{ value: h.model.errors }] },
    {
      name: 'skychoir_control_latency_seconds',
      help: 'Sensor message timestamp to its layer targets handed to the audio graph, over the last 4096 messages',
      type: 'gauge',
      samples: ([['0.5', 'p50'], ['0.99', 'p99'], ['1', 'max']] as const).map(([quantile, key]) => ({
        labels: { quantile },
        value: h.control.latencyMs ? h.control.latencyMs[key] / 1000 : null,
      })),
    },
    { name: 'skychoir_control_immediate_updates_total', help: 'Layer-target updates made between windows for sensor readings', type: 'counter', samples: [{ value: h.control.immediateUpdates }] },
    gauge('skychoir_broker_connected', '1 while connected to the MQTT broker', h.broker.connected ? 1 : 0),
    counterBy('skychoir_broker_refusals_total', 'Embedded broker refusals: bad credentials (auth), forbidden publish or subscribe', h.broker.refusals),
    {
      name: 'skychoir_sensor_age_seconds',
      help: 'Seconds since each sensor last reported',
      type: 'gauge',
      samples: h.sensors.map((s) => ({ labels: { sensor: s.id }, value: s.ageS })),
    },
    {
      name: 'skychoir_sensor_stale',
      help: '1 once a sensor has not reported for longer than the hold time (its readings drift to the season\'s typical sky)',
      type: 'gauge',
      samples: h.sensors.map((s) => ({ labels: { sensor: s.id }, value: s.stale ? 1 : 0 })),
    },
    {
      name: 'skychoir_sensor_online',
      help: '1 while a sensor says it is online (its availability topic)',
      type: 'gauge',
      samples: h.sensors.map((s) => ({ labels: { sensor: s.id }, value: s.online ? 1 : 0 })),
    },
    { name: 'skychoir_ingest_accepted_total', help: 'Sensor messages accepted', type: 'counter', samples: [{ value: h.ingest.accepted }] },
    counterBy('skychoir_ingest_dropped_total', 'Sensor messages dropped, by reason', h.ingest.dropped),
    counterBy('skychoir_ingest_dropped_readings_total', 'Single readings dropped from accepted messages, by reason', h.ingest.droppedReadings),
    gauge('skychoir_stream_listeners', 'Web stream listeners connected', extra.listeners ?? 0),
    ...historyMetrics(h.history),
    gauge('process_resident_memory_bytes', 'Resident memory of the engine process', process.memoryUsage.rss()),
  ];
}

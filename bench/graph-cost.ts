/**
 * The audio graph's cost, against the naive graph measured in the same run (issue 9).
 *
 * Workload, the same for every graph: N voice slots of the default piece's samples, each
 * singing a note (transposed -3..+3 semitones) for 12 s with a 2 s attack and a 2 s
 * release, renewed so that N voices sound at every moment (N + a few in the crossfades);
 * voices spread around the room; the four layer buses re-targeted every 0.5 s with 2.5 s
 * ramps, as the performance does.
 *
 * - naive: per voice `source (playbackRate) -> gain (envelope) -> stereo panner`, all into
 *   one shared 2 s convolver (the graph measured when the project started: 32 voices ~11x,
 *   64 ~7x real time); stereo, as it was measured.
 * - ChoirGraph: the engine's graph (pre-rendered transpositions, layer buses with
 *   low-pass and sends, the feedback-delay hall, limiter per speaker pair, ceiling), on a
 *   stereo pair and on a ring of 8 speakers, with its voices as nodes (live) and mixed
 *   ahead by the planner, a layer's into one buffer per control period (offline renders,
 *   voiceMix.ts; the JS time of the mixing is in the CPU time), and then, as renders do,
 *   with the master's limiters and ceiling computed on the rendered samples instead of by
 *   nodes (masterFinish.ts; timed too).
 *
 * The engine's transpositions are made before timing (a running installation made them
 * in its first minutes); the table reports their one-off cost apart.
 * Voices and targets are handed over every 0.5 s, 0.6-1.1 s ahead, at the render's
 * suspensions, and the loudness probe read, as the performance does (so node creation and
 * release, the mixing and the leveller's reading are in the cost).
 * Each render runs in a child process pinned to one core (taskset), 3 times; the table
 * keeps the least CPU time of the three (the run least disturbed by the rest of the machine),
 * as real-time factor = audio seconds / CPU seconds of the whole process.
 *
 *   node_modules/.bin/node bench/graph-cost.ts [seconds=30] [voices=48]
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { finishRendered } from '../src/audio/masterFinish.ts';
import { makeImpulseResponse } from '../src/audio/impulseResponse.ts';
import { ringOfSpeakers, STEREO_SPEAKERS } from '../src/audio/speakerLayout.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { LAYERS } from '../src/model/controlVector.ts';
import type { Decision, VoiceStart } from '../src/conductor/decisions.ts';
import { LOOKAHEAD_S } from '../src/engine/performance.ts';

const RATE = 48000;
const NOTE_S = 12;

/** The voices: slot s renews every NOTE_S - 2 s (2 s crossfade), staggered across slots. */
function workload(slots: number, seconds: number, samples: { id: string }[]): VoiceStart[] {
  const voices: VoiceStart[] = [];
  let id = 1;
  for (let s = 0; s < slots; s++) {
    for (let t = -((s * 0.37) % (NOTE_S - 2)); t < seconds; t += NOTE_S - 2) {
      const at = Math.max(0.01, t);
      const semitones = ((s * 5 + id) % 7) - 3;
      const pan = ((s % 9) - 4) / 4;
      voices.push({
        type: 'start',
        voiceId: id++,
        time: at,
        layer: LAYERS[s % LAYERS.length] ?? 'pad',
        sampleId: samples[(s * 7 + id) % samples.length]?.id ?? '',
        midi: 60 + semitones,
        rate: 2 ** (semitones / 12),
        gainDb: -28,
        pan,
        panTo: pan,
        azimuthDeg: (s * 137.5) % 360, // golden-angle spread around the ring
        attackS: t < 0 ? 0.05 : 2,
        holdS: Math.max(0.5, NOTE_S - 4 + Math.min(0, t)),
        releaseS: 2,
      });
    }
  }
  return voices;
}

function layerTargets(seconds: number): Decision[] {
  const out: Decision[] = [];
  for (let t = 0; t < seconds; t += 0.5) {
    for (const [i, layer] of LAYERS.entries()) {
      out.push({ type: 'layer', time: t, layer, gainDb: -4 + 3 * Math.sin(t / 4 + i), lowpassHz: 3000 + 1500 * Math.sin(t / 6 + i), reverbSend: 0.4 + 0.2 * Math.sin(t / 5 + i), rampS: 2.5 });
    }
  }
  return out;
}

async function child(variant: string, slots: number, seconds: number): Promise<void> {
  const speakers = variant.endsWith('-8') ? ringOfSpeakers(8) : STEREO_SPEAKERS;
  const context = new OfflineAudioContext({ numberOfChannels: speakers.length, length: seconds * RATE, sampleRate: RATE });
  const dir = DEFAULT_CONFIG.paths.samples;
  const bank = await SampleBank.load(loadSampleManifest(join(dir, 'manifest.json')), dir, context);
  const voices = workload(slots, seconds, bank.infos());
  let graph: ChoirGraph | undefined;
  let sing: (v: VoiceStart) => void;
  if (variant === 'naive') {
    const convolver = context.createConvolver();
    const [l, r] = makeImpulseResponse({ sampleRate: RATE, decayS: 2, preDelayS: 0, seed: 1 });
    const ir = context.createBuffer(2, l.length, RATE);
    ir.copyToChannel(l, 0);
    ir.copyToChannel(r, 1);
    convolver.buffer = ir;
    convolver.connect(context.destination);
    sing = (v) => {
      const s = bank.get(v.sampleId);
      if (!s) return;
      const source = context.createBufferSource();
      source.buffer = s.buffer;
      source.loop = true;
      source.loopStart = s.info.loopStartS;
      source.loopEnd = s.info.loopEndS;
      source.playbackRate.value = v.rate;
      const gain = context.createGain();
      const level = 10 ** (v.gainDb / 20);
      const end = v.time + v.attackS + v.holdS + v.releaseS;
      gain.gain.setValueAtTime(0, v.time);
      gain.gain.linearRampToValueAtTime(level, v.time + v.attackS);
      gain.gain.setValueAtTime(level, end - v.releaseS);
      gain.gain.linearRampToValueAtTime(0, end);
      const pan = context.createStereoPanner();
      pan.pan.value = v.pan;
      source.connect(gain).connect(pan).connect(convolver);
      source.start(v.time);
      source.stop(end);
      source.onended = () => {
        source.disconnect();
        gain.disconnect();
        pan.disconnect();
      };
    };
  } else {
    // Mixed ahead is how renders build the graph: the master's limiters and ceiling computed on the rendered samples (timed below).
    const g = new ChoirGraph(context, bank, { masterDb: -3, seed: 1, speakers, taps: false, ...(variant.startsWith('mixed') ? { mixAheadS: LOOKAHEAD_S, finishInGraph: false } : {}) });
    // Steady state: the transpositions these voices use are made before the clock starts,
    // as a running lobby has long made them (their one-off cost is reported apart).
    g.prepare(voices);
    graph = g;
    sing = (v) => g.apply([v]);
  }
  // As the performance does: every 0.5 s, plan a window 0.6 s ahead (voices made just in
  // time, released when they end), and re-target the layer buses.
  const targets = layerTargets(seconds);
  const plan = (fromS: number, toS: number): void => {
    for (const v of voices) if (v.time >= fromS && v.time < toS) sing(v);
    graph?.apply(targets.filter((d) => d.time >= fromS && d.time < toS));
    // The leveller's reading, once a period, as the performance takes it.
    graph?.momentaryLufs();
  };
  plan(0, LOOKAHEAD_S + 0.5);
  for (let k = 1; k * 0.5 < seconds; k++) {
    const t = k * 0.5;
    void context.suspend(t).then(() => {
      plan(t + LOOKAHEAD_S, t + LOOKAHEAD_S + 0.5);
      return context.resume();
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  let most = 0;
  for (let t = 1; t < seconds; t++) most = Math.max(most, voices.filter((v) => v.time <= t && t < v.time + v.attackS + v.holdS + v.releaseS).length);
  const cpu0 = process.cpuUsage();
  const render0 = renderThreadCpuS();
  const wall0 = performance.now();
  const rendered = await context.startRendering();
  if (graph && variant.startsWith('mixed')) {
    finishRendered(rendered, 0, graph.masterFinish());
  }
  const render1 = renderThreadCpuS();
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  graph?.dispose();
  console.log(JSON.stringify({ cpuS: (cpu.user + cpu.system) / 1e6, renderThreadS: render0 === undefined || render1 === undefined ? undefined : render1 - render0, wallS, sounding: most, transpositions: graph?.transpositionWork }));
}

/**
 * CPU seconds of node-web-audio-api's render threads (tokio workers) so far, from
 * /proc (Linux); the rest of the process's is JavaScript's and V8's. Undefined elsewhere.
 */
function renderThreadCpuS(): number | undefined {
  try {
    let ticks = 0;
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      if (!stat.includes('(tokio-rt-worker)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (proc(5))
    }
    return ticks / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

interface Run {
  cpuS: number;
  renderThreadS?: number;
  wallS: number;
  sounding: number;
  transpositions?: { made: number; ms: number };
}

function measure(variant: string, slots: number, seconds: number, core: number): Run {
  const runs: Run[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync('taskset', ['-c', String(core), process.execPath, fileURLToPath(import.meta.url), '--child', variant, String(slots), String(seconds)], { encoding: 'utf8' });
    runs.push(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Run);
  }
  return runs.reduce((best, r) => (r.cpuS < best.cpuS ? r : best));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? 'ours-8', Number(process.argv[4]), Number(process.argv[5]));
  process.exit(0);
}

const seconds = Number(process.argv[2] ?? 30);
const slotsList = process.argv[3] ? [Number(process.argv[3])] : [32, 48, 64];
const core = cpus().length - 1;
console.log(`graph cost, ${seconds} s offline, one core (taskset -c ${core}), best of 3 by CPU time; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  '| voices sounding | naive graph, 2 ch (x real time) | ChoirGraph, voice nodes (live), 2 speakers | voices mixed ahead (offline), 2 speakers | voice nodes, 8 speakers | voices mixed ahead, 8 speakers | mixed 8 / naive | transpositions made first |\n|---:|---:|---:|---:|---:|---:|---:|---:|',
);
const splits: string[] = [];
for (const slots of slotsList) {
  const naive = measure('naive', slots, seconds, core);
  const two = measure('ours-2', slots, seconds, core);
  const mixedTwo = measure('mixed-2', slots, seconds, core);
  const eight = measure('ours-8', slots, seconds, core);
  const mixed = measure('mixed-8', slots, seconds, core);
  const x = (r: Run): string => `${(seconds / r.cpuS).toFixed(1)} (wall ${(seconds / r.wallS).toFixed(1)})`;
  const t = eight.transpositions;
  console.log(`| ${slots}-${eight.sounding} | ${x(naive)} | ${x(two)} | ${x(mixedTwo)} | ${x(eight)} | ${x(mixed)} | ${(naive.cpuS / mixed.cpuS).toFixed(2)} | ${t ? `${t.made} in ${(t.ms / 1000).toFixed(1)} s` : ''} |`);
  splits.push(`${slots} slots: ${[naive, two, mixedTwo, eight, mixed].map((r, i) => `${['naive', 'nodes 2', 'mixed 2', 'nodes 8', 'mixed 8'][i]} ${r.renderThreadS?.toFixed(2) ?? '?'} of ${r.cpuS.toFixed(2)}`).join(', ')}`);
}
// Where the time goes: the render thread's share (the rest is JavaScript: planning, mixing, finishing, collecting).
console.log(`\nrender thread CPU s of the process's, per run above:\n${splits.join('\n')}`);
process.exit(0);

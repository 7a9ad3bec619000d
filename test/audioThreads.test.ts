/**
 * A context's render thread gets the audio priority: the threads the context starts run at
 * AUDIO_THREAD_NICE while the rest of the process keeps its own; where the system refuses
 * (no CAP_SYS_NICE, no RLIMIT_NICE for it), the context opens all the same and says why.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { AudioContext } from 'node-web-audio-api';
import { AUDIO_THREAD_NICE, openWithAudioPriority, threadIds } from '../src/audio/audioThreads.ts';

/** A thread's niceness, from /proc (field 19 of its stat). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe(
  'audio thread priority',
  { skip: process.platform !== 'linux' && 'threads are read from /proc (Linux)' },
  () => {
    it("raises the context's own threads and no other", async () => {
      const own = getPriority();
      const before = threadIds();
      const { context, priority } = openWithAudioPriority(
        () =>
          new AudioContext({ sinkId: { type: 'none' }, sampleRate: 48000 } as AudioContextOptions),
      );
      try {
        const started = [...threadIds()].filter((tid) => !before.has(tid));
        assert.ok(started.length >= 1, 'the context started a thread');
        if (priority.refused) {
          // Allowed only where lowering a niceness is not: not as root.
          assert.notEqual(process.getuid?.(), 0, `refused as root: ${priority.refused}`);
          assert.match(priority.refused, /EACCES|EPERM|permission/i);
        } else {
          assert.deepEqual([...priority.raised].sort(), [...started].sort());
          for (const tid of priority.raised)
            assert.equal(niceOf(tid), AUDIO_THREAD_NICE, `thread ${tid}`);
        }
        assert.equal(getPriority(), own, 'the JavaScript thread keeps its niceness');
        for (const tid of before) {
          try {
            assert.equal(niceOf(tid), own, `thread ${tid} keeps its niceness`);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // a thread that has ended since
          }
        }
        // And it sings: its clock moves.
        const t0 = context.currentTime;
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.ok(context.currentTime > t0);
      } finally {
        await context.close();
      }
    });
  },
);

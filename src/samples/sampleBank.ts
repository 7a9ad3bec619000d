/**
 * Sample audio in memory: each manifest entry decoded once into an AudioBuffer at the
 * context's rate. A file that is missing or will not decode is left out with a message;
 * the set plays on with what loaded (and refuses to start only if nothing did).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleInfo, SampleManifest } from './sampleManifest.ts';
import { crossfadeLoop } from './loopCrossfade.ts';

export interface LoadedSample {
  info: SampleInfo;
  buffer: AudioBuffer;
}

export class SampleBank {
  private readonly samples = new Map<string, LoadedSample>();
  readonly problems: string[] = [];

  static async load(manifest: SampleManifest, root: string, context: BaseAudioContext): Promise<SampleBank> {
    const bank = new SampleBank();
    for (const info of manifest.samples) {
      const path = join(root, info.file);
      try {
        const bytes = await readFile(path);
        const buffer = await context.decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        if (buffer.duration + 1e-3 < info.loopEndS) {
          throw new Error(`decoded length ${buffer.duration.toFixed(3)} s is shorter than its loop end ${info.loopEndS} s`);
        }
        const rate = buffer.sampleRate;
        for (let c = 0; c < buffer.numberOfChannels; c++) {
          const data = buffer.getChannelData(c);
          // 50 ms crossfade at most: long enough to hide the seam, short enough to keep the loop's life.
          crossfadeLoop(data, Math.round(info.loopStartS * rate), Math.round(info.loopEndS * rate), 0.05 * rate);
          buffer.copyToChannel(data, c);
        }
        bank.samples.set(info.id, { info, buffer });
      } catch (err) {
        bank.problems.push(`sample '${info.id}' (${path}): ${(err as Error).message}; left out`);
      }
    }
    if (bank.samples.size === 0) {
      throw new Error(`no sample could be loaded from ${root}: ${bank.problems.slice(0, 3).join('; ')}`);
    }
    return bank;
  }

  get(id: string): LoadedSample | undefined {
    return this.samples.get(id);
  }

  /** The infos of the samples that actually loaded: the conductor sings only these. */
  infos(): SampleInfo[] {
    return [...this.samples.values()].map((s) => s.info);
  }

  get size(): number {
    return this.samples.size;
  }
}

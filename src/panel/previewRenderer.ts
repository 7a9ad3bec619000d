/**
 * Previews: "what would this sky sound like?" rendered offline in a child process
 * (previewJob.ts), with the current model and, when asked, a candidate version from the
 * store, under the curator's settings, and served to the page as WAV files. The lobby
 * never hears a preview.
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { byteRange } from '../http/byteRange.ts';
import type { ServerResponse } from 'node:http';
import type { SkychoirStore } from '../store/store.ts';
import { SHIPPED_DEFAULT } from '../model/activeModel.ts';
import { SCENARIOS } from '../../sensors/simulator/scenarios.ts';
import { parseComposedSky } from './composedSky.ts';
import type { PanelJob, PanelJobs } from './panelJobs.ts';
import type { PreviewJobArgs } from './previewJob.ts';
import type { Config } from '../config/config.ts';
import type { CuratorSettings } from '../engine/curatorSettings.ts';
import { PanelHttpError } from './requestBody.ts';

export const PREVIEW_SECONDS = { min: 5, max: 60, default: 20 };
const KEEP_PREVIEW_FILES = 24;
const FILE_NAME = /^[0-9a-f]{12}-(current|candidate)\.wav$/;

export interface PreviewRequest {
  sky: { preset: string } | { composed: unknown };
  /** A stored model version to hear beside the current one. */
  candidate?: string;
  durationS: number;
}

export function parsePreviewRequest(body: unknown): PreviewRequest {
  if (typeof body !== 'object' || body === null) throw new PanelHttpError(400, 'preview: want {sky, candidate?, durationS?}');
  const b = body as Record<string, unknown>;
  let sky: PreviewRequest['sky'];
  if (typeof b.sky === 'string') {
    if (!Object.hasOwn(SCENARIOS, b.sky)) throw new PanelHttpError(400, `preview.sky: '${b.sky.slice(0, 30)}' is not a scenario (${Object.keys(SCENARIOS).join(', ')}) or a composed sky`);
    sky = { preset: b.sky };
  } else {
    try {
      sky = { composed: parseComposedSky(b.sky) };
    } catch (error) {
      throw new PanelHttpError(400, `preview.${(error as Error).message}`);
    }
  }
  const durationS = b.durationS ?? PREVIEW_SECONDS.default;
  if (typeof durationS !== 'number' || !Number.isFinite(durationS) || durationS < PREVIEW_SECONDS.min || durationS > PREVIEW_SECONDS.max) {
    throw new PanelHttpError(400, `preview.durationS: want ${PREVIEW_SECONDS.min}..${PREVIEW_SECONDS.max} seconds`);
  }
  if (b.candidate !== undefined && (typeof b.candidate !== 'string' || b.candidate.length > 200)) throw new PanelHttpError(400, 'preview.candidate: want a model version name');
  return { sky, durationS, ...(typeof b.candidate === 'string' && b.candidate !== '' ? { candidate: b.candidate } : {}) };
}

export class PreviewRenderer {
  readonly #store: SkychoirStore;
  readonly #jobs: PanelJobs;
  readonly #config: Config;
  readonly #dir: string;

  constructor(store: SkychoirStore, jobs: PanelJobs, config: Config, dir: string) {
    this.#store = store;
    this.#jobs = jobs;
    this.#config = config;
    this.#dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Starts a render of the current model (the version playing) and maybe a candidate. */
  start(request: PreviewRequest, playing: string, settings: CuratorSettings, who: string): PanelJob {
    this.#prune();
    const id = randomBytes(6).toString('hex');
    const renders = [{ label: 'current', modelPath: this.#modelFile(playing, id, 'current') }];
    if (request.candidate) {
      if (!this.#store.getModelVersion(request.candidate)) throw new PanelHttpError(400, `preview.candidate: no model version '${request.candidate.slice(0, 60)}'`);
      renders.push({ label: 'candidate', modelPath: this.#modelFile(request.candidate, id, 'candidate') });
    }
    const args: PreviewJobArgs = {
      id,
      sky: request.sky,
      renders,
      durationS: request.durationS,
      seed: this.#config.seed,
      site: this.#config.site,
      location: this.#config.location,
      samplesDir: this.#config.paths.samples,
      settings,
      outDir: this.#dir,
    };
    return this.#jobs.start('preview', who, join(import.meta.dirname, 'previewJob.ts'), args, {
      onLine: (job, line) => {
        const file = typeof line.file === 'string' ? line.file.split('/').at(-1) : undefined;
        job.results.push({ ...line, file: undefined, url: file ? `/panel/api/preview.wav?file=${file}` : undefined });
        job.message = `rendered ${job.results.length} of ${renders.length}`;
      },
    });
  }

  /** The model's ONNX as a file the child can load: the default file, or store bytes written out. */
  #modelFile(version: string, id: string, label: string): string {
    if (version === SHIPPED_DEFAULT) return this.#config.paths.model;
    const path = join(this.#dir, `${id}-${label}.onnx`);
    writeFileSync(path, this.#store.modelBytes(version));
    return path;
  }

  /**
   * Serves a rendered preview by file name (names are checked: nothing else is served), or
   * the range of it the player asks for (`range`: the request's Range header).
   */
  serve(name: string, res: ServerResponse, range?: string): boolean {
    if (!FILE_NAME.test(name)) return false;
    const path = join(this.#dir, name);
    if (!existsSync(path)) return false;
    const size = statSync(path).size;
    const headers = { 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' };
    const wanted = byteRange(range, size);
    if (wanted === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
      res.end();
    } else if (wanted) {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${wanted.first}-${wanted.last}/${size}`, 'content-length': wanted.last - wanted.first + 1 });
      createReadStream(path, { start: wanted.first, end: wanted.last }).pipe(res);
    } else {
      res.writeHead(200, { ...headers, 'content-length': size });
      createReadStream(path).pipe(res);
    }
    return true;
  }

  #prune(): void {
    const files = readdirSync(this.#dir)
      .map((name) => ({ name, at: statSync(join(this.#dir, name)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const f of files.slice(KEEP_PREVIEW_FILES)) rmSync(join(this.#dir, f.name), { force: true });
  }
}

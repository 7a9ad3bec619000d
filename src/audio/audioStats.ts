/**
 * How well the audio thread keeps up, from node-web-audio-api's implementations of the
 * Web Audio render-capacity (AudioRenderCapacity: load per update interval, underrun
 * ratio) and playback-statistics (AudioPlaybackStats: underrun duration and count)
 * extensions. Their TypeScript declarations are not published yet, so they are read
 * through the narrow shapes below; a context without them reports nothing.
 */
interface RenderCapacityEvent {
  averageLoad: number;
  peakLoad: number;
  underrunRatio: number;
}

interface RenderCapacity {
  start(options: { updateInterval: number }): void;
  stop(): void;
  onupdate: ((event: RenderCapacityEvent) => void) | null;
}

interface PlaybackStats {
  underrunDuration: number;
  underrunEvents: number;
  totalDuration: number;
}

export interface AudioStatsSnapshot {
  averageLoad: number | null;
  peakLoad: number | null;
  underrunRatio: number | null;
  underrunDurationS: number | null;
  underrunEvents: number | null;
  playedS: number | null;
}

export class AudioStats {
  private readonly capacity: RenderCapacity | undefined;
  private readonly playback: PlaybackStats | undefined;
  private last: RenderCapacityEvent | undefined;

  constructor(context: BaseAudioContext) {
    const c = context as unknown as { renderCapacity?: RenderCapacity; playbackStats?: PlaybackStats };
    try {
      this.capacity = c.renderCapacity ?? undefined;
      this.playback = c.playbackStats ?? undefined;
      if (this.capacity) {
        this.capacity.onupdate = (event) => {
          this.last = { averageLoad: event.averageLoad, peakLoad: event.peakLoad, underrunRatio: event.underrunRatio };
        };
        this.capacity.start({ updateInterval: 1 });
      }
    } catch {
      this.capacity = undefined;
    }
  }

  snapshot(): AudioStatsSnapshot {
    const read = (f: () => number): number | null => {
      try {
        const v = f();
        return Number.isFinite(v) ? v : null;
      } catch {
        return null;
      }
    };
    return {
      averageLoad: this.last?.averageLoad ?? null,
      peakLoad: this.last?.peakLoad ?? null,
      underrunRatio: this.last?.underrunRatio ?? null,
      underrunDurationS: this.playback ? read(() => this.playback?.underrunDuration ?? NaN) : null,
      underrunEvents: this.playback ? read(() => this.playback?.underrunEvents ?? NaN) : null,
      playedS: this.playback ? read(() => this.playback?.totalDuration ?? NaN) : null,
    };
  }

  stop(): void {
    try {
      this.capacity?.stop();
    } catch {
      // already stopped with its context
    }
  }
}

/**
 * The camera's whole analysis, frame by frame: cloud cover (by day), brightness and
 * warmth (always), and sky events. Pure apart from its own state; no I/O.
 */
import { sunElevationDeg } from '../../src/features/sunPosition.ts';
import { estimateCloudCover, type CloudCoverEstimate, type CloudCoverOptions } from './cloudCover.ts';
import { MotionDetector, type MotionOptions } from './motionDetector.ts';
import type { SkyFrame } from './skyFrame.ts';
import { measureSkyLight, type SkyLight } from './skyLight.ts';
import { skyMaskOf } from './skyMask.ts';
import { SkyEventDetector, type CameraSkyEvent, type SkyEventOptions } from './skyEventDetector.ts';

export interface SkyAnalyzerOptions {
  /** Site coordinates; without them the sky is never taken as night. */
  location?: { latitudeDeg: number; longitudeDeg: number };
  /**
   * Below this sun elevation the NBRR says nothing about cloud (no sunlit blue sky); the
   * default is civil twilight's -6 degrees. Commercial total sky imagers only retrieve
   * cloud above +10 degrees (Long et al. 2006); twilight is kept here because the
   * |NBRR| + green-magenta rule copes with its colours.
   */
  nightSunElevationDeg?: number;
  /** How often cloud cover is computed (it changes slowly), ms of frame time. */
  cloudIntervalMs?: number;
  cloud?: CloudCoverOptions;
  motion?: MotionOptions;
  events?: SkyEventOptions;
}

export interface FrameAnalysis {
  atMs: number;
  light: SkyLight;
  night: boolean;
  /** Present on frames where cloud cover was computed (by day). */
  cloud: CloudCoverEstimate | undefined;
  events: CameraSkyEvent[];
}

export class SkyAnalyzer {
  private readonly motion: MotionDetector;
  private readonly detector: SkyEventDetector;
  private readonly options: SkyAnalyzerOptions;
  private lastCloudMs = -Infinity;

  constructor(options: SkyAnalyzerOptions = {}) {
    this.options = options;
    this.motion = new MotionDetector(options.motion);
    this.detector = new SkyEventDetector(options.events);
  }

  isNight(atMs: number): boolean {
    const loc = this.options.location;
    if (!loc) return false;
    return sunElevationDeg(atMs, loc.latitudeDeg, loc.longitudeDeg) < (this.options.nightSunElevationDeg ?? -6);
  }

  analyze(frame: SkyFrame, atMs: number): FrameAnalysis {
    const night = this.isNight(atMs);
    const mask = this.options.cloud?.siteMask || this.options.cloud?.horizonFraction
      ? skyMaskOf(frame, { ...this.options.cloud, minChannelSum: 0, saturatedLevel: 256 })
      : undefined;
    const light = measureSkyLight(frame, mask);
    let cloud: CloudCoverEstimate | undefined;
    if (!night && atMs - this.lastCloudMs >= (this.options.cloudIntervalMs ?? 1000)) {
      this.lastCloudMs = atMs;
      cloud = estimateCloudCover(frame, this.options.cloud);
    }
    const blobs = this.motion.detect(frame, atMs);
    const events = this.detector.update(blobs, frame.width, atMs);
    return { atMs, light, night, cloud, events };
  }

  /** Ends every open track (end of a file); returns the events they complete. */
  finish(atMs: number): CameraSkyEvent[] {
    return this.detector.flush(atMs);
  }

  lastForeground(): Uint8Array | undefined {
    return this.motion.lastForeground();
  }
}

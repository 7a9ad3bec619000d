/**
 * How bright the sky is and how warm its colour: the two numbers that still mean
 * something at night and at the edges of the day.
 */
import type { SkyFrame } from './skyFrame.ts';

export interface SkyLight {
  /** Mean BT.709 luma of the frame, 0 (black) .. 1 (white). */
  brightness: number;
  /**
   * Mean red over mean blue. About 0.5-0.8 under a blue day sky, near 1 under overcast,
   * above 1 when dawn or dusk colours the sky (Rayleigh scattering over a long path
   * removes the blue). Undefined when the frame is too dark to have a colour.
   */
  warmth: number | undefined;
}

export function measureSkyLight(frame: SkyFrame, mask?: Uint8Array): SkyLight {
  const { data } = frame;
  const pixels = frame.width * frame.height;
  let luma = 0;
  let red = 0;
  let blue = 0;
  let n = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    if (mask && mask[i] === 0) continue;
    const r = data[p] as number;
    const g = data[p + 1] as number;
    const b = data[p + 2] as number;
    luma += 0.2126 * r + 0.7152 * g + 0.0722 * b;
    red += r;
    blue += b;
    n++;
  }
  if (n === 0) return { brightness: 0, warmth: undefined };
  const brightness = Math.min(1, Math.max(0, luma / n / 255));
  // Below ~4 % of full scale per channel the ratio is dominated by sensor noise.
  const warmth = blue / n < 10 ? undefined : red / blue;
  return { brightness, warmth };
}

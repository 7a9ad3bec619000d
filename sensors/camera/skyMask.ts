/**
 * Which pixels are sky. A fixed mask drawn for the site (roof edges, antennas, the
 * horizon) excludes what is never sky; per frame, pixels too dark to have a colour and
 * pixels saturated in every channel (the sun, its glare) are left out as well, because
 * their blue/red ratio says nothing about cloud (Long et al. 2006, J. Atmos. Oceanic
 * Technol. 23(5), section on the solar region and sensor saturation).
 */
import type { SkyFrame } from './skyFrame.ts';

export interface SkyMaskOptions {
  /** A site mask, one byte per pixel, nonzero = sky. */
  siteMask?: Uint8Array;
  /** Ignore this fraction of rows at the bottom of the image (the horizon, rooftops). */
  horizonFraction?: number;
  /** R+G+B below this (0..765) is too dark to have a colour. */
  minChannelSum?: number;
  /** Every channel at or above this is saturated. */
  saturatedLevel?: number;
}

export const SKY_MASK_DEFAULTS = { horizonFraction: 0, minChannelSum: 30, saturatedLevel: 250 } as const;

/** 1 for a usable sky pixel, 0 otherwise. */
export function skyMaskOf(frame: SkyFrame, options: SkyMaskOptions = {}): Uint8Array {
  const { width, height, data } = frame;
  const horizon = options.horizonFraction ?? SKY_MASK_DEFAULTS.horizonFraction;
  const minSum = options.minChannelSum ?? SKY_MASK_DEFAULTS.minChannelSum;
  const saturated = options.saturatedLevel ?? SKY_MASK_DEFAULTS.saturatedLevel;
  const site = options.siteMask;
  if (site && site.length !== width * height) {
    throw new Error(`sky mask: site mask has ${site.length} pixels, the frame ${width}x${height} has ${width * height}`);
  }
  const skyRows = Math.max(1, Math.round(height * (1 - Math.min(0.9, Math.max(0, horizon)))));
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < skyRows; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (site && site[i] === 0) continue;
      const r = data[3 * i] as number;
      const g = data[3 * i + 1] as number;
      const b = data[3 * i + 2] as number;
      if (r + g + b < minSum) continue;
      if (r >= saturated && g >= saturated && b >= saturated) continue;
      mask[i] = 1;
    }
  }
  return mask;
}

/**
 * One decoded camera frame: packed 8-bit RGB, row-major, top row first. Frames live only
 * in the camera reader's memory (DESIGN.md, "Privacy"); only numbers derived from them
 * leave the process.
 */
export interface SkyFrame {
  width: number;
  height: number;
  /** width * height * 3 bytes, R G B per pixel. */
  data: Uint8Array;
}

export function createSkyFrame(width: number, height: number): SkyFrame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`sky frame: size ${width}x${height} must be positive integers`);
  }
  return { width, height, data: new Uint8Array(width * height * 3) };
}

export function frameBytes(width: number, height: number): number {
  return width * height * 3;
}

/**
 * Luma from gamma-encoded RGB with the ITU-R BT.709 weights (0.2126, 0.7152, 0.0722),
 * 0..255 per pixel. Cameras deliver gamma-encoded values, so this is luma, not luminance;
 * it is what "how bright the sky looks" means here.
 */
export function lumaOf(frame: SkyFrame, out = new Float32Array(frame.width * frame.height)): Float32Array {
  const { data } = frame;
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    out[i] = 0.2126 * (data[p] as number) + 0.7152 * (data[p + 1] as number) + 0.0722 * (data[p + 2] as number);
  }
  return out;
}

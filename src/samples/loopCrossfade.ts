/**
 * Makes a sample's loop seamless: the last `n` samples before loopEnd are crossfaded
 * (equal power) with the `n` samples before loopStart, so when playback jumps from
 * loopEnd back to loopStart it continues exactly as the audio did into loopStart.
 * Several soundfont loops have seams of 0.4-0.75 x RMS (samples/README.md), an audible
 * tick on every cycle without this.
 */
export function crossfadeLoop(data: Float32Array, loopStart: number, loopEnd: number, maxFade: number): number {
  const n = Math.floor(Math.min(maxFade, loopStart, (loopEnd - loopStart) / 4));
  if (n < 8) return 0;
  for (let i = 0; i < n; i++) {
    const w = (i + 1) / n;
    const fadeIn = Math.sin((w * Math.PI) / 2);
    const fadeOut = Math.cos((w * Math.PI) / 2);
    const at = loopEnd - n + i;
    data[at] = (data[at] ?? 0) * fadeOut + (data[loopStart - n + i] ?? 0) * fadeIn;
  }
  return n;
}

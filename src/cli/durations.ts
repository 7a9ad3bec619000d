/** Parses durations as people write them: "90", "90s", "10m", "1.5h", "1h30m". */
export function parseDurationS(text: string): number {
  const t = text.trim();
  // A bare number is seconds; zero falls through to the error below, like '0s' does.
  if (/^\d+(\.\d+)?$/.test(t) && Number(t) > 0) return Number(t);
  const re = /(\d+(?:\.\d+)?)(h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    consumed += m[0].length;
  }
  if (consumed !== t.length || consumed === 0 || !(total > 0)) {
    throw new Error(`duration '${text.slice(0, 20)}' is not like 90s, 10m, 1.5h or 1h30m`);
  }
  return total;
}

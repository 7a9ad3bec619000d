/** Converting a site's local clock time to an instant, with Intl's time-zone data. */

/** Minutes the zone is ahead of UTC at an instant. */
const formats = new Map<string, Intl.DateTimeFormat>();

export function zoneOffsetMinutes(atMs: number, timeZone: string): number {
  // A DateTimeFormat costs far more to make than to use: one per zone (called every window).
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(atMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(atMs / 1000) * 1000) / 60_000);
}

/** The instant at which the site's clock shows `hours` on the given local date. */
export function instantAtLocalTime(date: { year: number; month: number; day: number }, hours: number, timeZone: string): number {
  const naive = Date.UTC(date.year, date.month - 1, date.day) + hours * 3600_000;
  // Two passes settle the offset even across a daylight-saving change.
  let guess = naive - zoneOffsetMinutes(naive, timeZone) * 60_000;
  guess = naive - zoneOffsetMinutes(guess, timeZone) * 60_000;
  return guess;
}

/**
 * Solar elevation from a site's coordinates and a time, after NOAA Global Monitoring
 * Laboratory, "General Solar Position Calculations" (fractional-year series for the
 * equation of time and declination). Accurate to a fraction of a degree, which is far
 * finer than dawn and dusk need.
 */
const DEG = Math.PI / 180;

export function sunElevationDeg(atMs: number, latitudeDeg: number, longitudeDeg: number): number {
  const date = new Date(atMs);
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((atMs - startOfYear) / 86_400_000) + 1;
  const hoursUtc = date.getUTCHours() + date.getUTCMinutes() / 60 + date.getUTCSeconds() / 3600;
  const daysInYear = isLeapYear(date.getUTCFullYear()) ? 366 : 365;
  const gamma = ((2 * Math.PI) / daysInYear) * (dayOfYear - 1 + (hoursUtc - 12) / 24);

  const eqTimeMin =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(gamma) -
      0.032077 * Math.sin(gamma) -
      0.014615 * Math.cos(2 * gamma) -
      0.040849 * Math.sin(2 * gamma));
  const declination =
    0.006918 -
    0.399912 * Math.cos(gamma) +
    0.070257 * Math.sin(gamma) -
    0.006758 * Math.cos(2 * gamma) +
    0.000907 * Math.sin(2 * gamma) -
    0.002697 * Math.cos(3 * gamma) +
    0.00148 * Math.sin(3 * gamma);

  const trueSolarTimeMin = hoursUtc * 60 + eqTimeMin + 4 * longitudeDeg;
  const hourAngle = (trueSolarTimeMin / 4 - 180) * DEG;
  const lat = latitudeDeg * DEG;
  const cosZenith =
    Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  return 90 - Math.acos(Math.min(1, Math.max(-1, cosZenith))) / DEG;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** Hours since local midnight at the site, in [0, 24). */
export function localHours(atMs: number, timeZone: string): number {
  // A DateTimeFormat costs far more to make than to use (~0.18 ms against ~9 µs), and the
  // features ask for the hour at every window and every reading: one per zone.
  let format = hourFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(atMs));
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') + part('minute') / 60 + part('second') / 3600;
}

/**
 * Structured JSON logs, one object a line on stderr (journald keeps them as they are).
 * Repeated warnings of the same kind are rate limited so a flooding sensor cannot flood
 * the log: the first few are written, then one summary every `windowMs`.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A warning that may repeat: at most `burst` per key per window, then a count. */
  warnRepeated(key: string, msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  component: string,
  options: { level?: Level; write?: (line: string) => void; now?: () => number } = {},
): Logger {
  const threshold = LEVELS[options.level ?? ((process.env.SKYCHOIR_LOG_LEVEL as Level | undefined) ?? 'info')] ?? 20;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? Date.now;
  const repeats = new Map<string, { windowStart: number; count: number; suppressed: number }>();
  const burst = 5;
  const windowMs = 60_000;

  const emit = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < threshold) return;
    write(JSON.stringify({ time: new Date(now()).toISOString(), level, component, msg, ...fields }));
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    warnRepeated: (key, m, f) => {
      const t = now();
      let r = repeats.get(key);
      if (!r || t - r.windowStart >= windowMs) {
        if (r && r.suppressed > 0) emit('warn', `${r.suppressed} more like '${key}' suppressed`, { key });
        r = { windowStart: t, count: 0, suppressed: 0 };
        if (repeats.size > 1000) repeats.clear();
        repeats.set(key, r);
      }
      r.count++;
      if (r.count <= burst) emit('warn', m, f);
      else r.suppressed++;
    },
  };
}

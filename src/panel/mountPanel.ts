/**
 * The curator panel, mounted on the engine: `mountPanel({ engine, store, record, config,
 * log })` returns the HTTP routes to serve, a hook for the WebSocket upgrade and `stop()`.
 * It restores the curator's saved settings and samples the live view every second
 * (pushed to open panels). The 24 h charts and the event log are the engine's record in
 * the store (LiveRecorder): new minutes and events are pushed as the record takes them,
 * and the panel's own events (changes, training, deploys) go into it. A deploy or
 * rollback changes the store's active model version and asks the engine to follow it.
 */
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { PROJECT_ROOT } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { SkychoirStore } from '../store/store.ts';
import type { MethodRoute, RouteHandler, UpgradeHandler } from '../http/httpServer.ts';
import { DEFAULT_MODEL_PATHS } from '../model/buildDefaultModel.ts';
import { PanelSessions } from './panelSessions.ts';
import { LoginRateLimiter } from './loginRateLimiter.ts';
import { AuditLog } from './auditLog.ts';
import { PanelJobs } from './panelJobs.ts';
import { PreviewRenderer } from './previewRenderer.ts';
import { PanelPush } from './panelPush.ts';
import { liveView, type PanelEngine } from './liveView.ts';
import { SETTINGS_KEY, panelRoutes } from './panelApi.ts';
import type { TrainJobArgs } from './trainJob.ts';
import type { LiveRecorder } from '../engine/liveRecorder.ts';

export interface PanelOptions {
  engine: PanelEngine;
  store: SkychoirStore;
  /** The engine's record: sensor history by the minute and the event log, in the store. */
  record: LiveRecorder;
  config: Config;
  log: Logger;
  /** Where preview WAVs go (default: var/previews beside the store). */
  previewDir?: string;
}

export interface MountedPanel {
  routes: Record<string, RouteHandler | MethodRoute>;
  /** Give this to the HTTP server's upgrade hook. */
  upgrade: UpgradeHandler;
  stop(): Promise<void>;
}

const LIVE_EVERY_MS = 1000;

export function mountPanel(options: PanelOptions): MountedPanel {
  const { engine, store, record, config, log } = options;
  restoreSettings(options);

  const sessions = new PanelSessions(store, config.panel.sessionHours * 3600_000);
  sessions.sweep();
  const limiter = new LoginRateLimiter(config.panel.loginAttemptsPerMinute);
  const audit = new AuditLog(store);
  const jobs = new PanelJobs(log);
  const previews = new PreviewRenderer(store, jobs, config, options.previewDir ?? join(PROJECT_ROOT, 'var', 'previews'));
  const push = new PanelPush(sessions, config.panel.allowedOrigins);

  audit.onEntry((entry) => push.broadcast({ type: 'audit', entry }));
  const unsubscribe = [
    record.onEvent((event) => push.broadcast({ type: 'event', event })),
    record.onMinutes((samples) => {
      for (const sample of samples) push.broadcast({ type: 'history', sample });
    }),
  ];
  jobs.onUpdate((job) => push.broadcast({ type: 'job', job }));

  const sample = (): void => {
    try {
      push.broadcast({ type: 'live', live: liveView(engine) });
    } catch (error) {
      log.warnRepeated('panel-sample', `panel: cannot read the engine's state: ${(error as Error).message}`);
    }
  };
  const liveTimer = setInterval(sample, LIVE_EVERY_MS);
  const sweepTimer = setInterval(() => sessions.sweep(), 3600_000);
  for (const t of [liveTimer, sweepTimer]) t.unref();

  const routes = panelRoutes({
    engine,
    store,
    config,
    log,
    sessions,
    limiter,
    audit,
    record,
    jobs,
    previews,
    playing: () => engine.modelPlaying,
    settingsChanged: (settings) => push.broadcast({ type: 'settings', settings }),
    train: (who) => {
      const version = `curator-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
      const args: TrainJobArgs = { storePath: store.path, examplesPath: DEFAULT_MODEL_PATHS.examples, version, who };
      return jobs.start('train', who, join(import.meta.dirname, 'trainJob.ts'), args, {
        onLine: (job, line) => {
          if (typeof line.version === 'string') {
            job.results.push(line);
            job.message = `trained ${line.version}`;
          } else if (typeof line.epoch === 'number') {
            job.message = `epoch ${line.epoch}`;
          }
        },
        onDone: (job) => void record.log('job', `training finished: ${job.message}`),
      });
    },
    activate: async (version, who) => {
      if (version) store.activateModelVersion(version, who);
      else store.rollbackModelVersion();
      await engine.followActiveModel();
      return engine.modelPlaying;
    },
  });

  let stopped = false;
  return {
    routes,
    upgrade: (req, socket, head) => push.handleUpgrade(req, socket, head),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const t of [liveTimer, sweepTimer]) clearInterval(t);
      for (const off of unsubscribe) off();
      jobs.stop();
      push.stop();
    },
  };
}

/** The curator's settings as they were saved (validated again; a bad row is logged and skipped). */
function restoreSettings({ engine, store, log }: PanelOptions): void {
  const saved = store.getSetting(SETTINGS_KEY);
  if (!saved) return;
  try {
    engine.updateSettings(JSON.parse(saved) as unknown);
    log.info('curator settings restored from the store');
  } catch (error) {
    log.error(`saved curator settings refused (${(error as Error).message}); playing the defaults`);
  }
}

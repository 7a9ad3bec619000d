/**
 * systemd notifications (sd_notify(3)): READY=1 once the choir sings, WATCHDOG=1 while
 * it keeps singing. Node has no unix datagram sockets, so we run systemd-notify(1),
 * which needs NotifyAccess=all in the unit (install/systemd/skychoir.service). Off
 * systemd (no NOTIFY_SOCKET) every call is a no-op, as zigbee2mqtt's sd-notify does.
 */
import { execFile } from 'node:child_process';

export class SdNotify {
  readonly enabled = Boolean(process.env.NOTIFY_SOCKET);
  private failures = 0;

  /** Half the watchdog interval systemd set (WATCHDOG_USEC), or undefined if none. */
  get watchdogIntervalMs(): number | undefined {
    const usec = Number(process.env.WATCHDOG_USEC);
    return this.enabled && usec > 0 ? usec / 2000 : undefined;
  }

  ready(status: string): void {
    this.send(['--ready', `--status=${status}`]);
  }

  watchdog(): void {
    this.send(['WATCHDOG=1']);
  }

  status(status: string): void {
    this.send([`--status=${status}`]);
  }

  private send(args: string[]): void {
    if (!this.enabled || this.failures > 10) return;
    execFile('systemd-notify', args, { timeout: 5000 }, (err) => {
      if (err) this.failures++;
    });
  }
}

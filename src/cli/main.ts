/** The `skychoir` command: one entry point, a subcommand each. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, PROJECT_ROOT, loadConfigFile, type Config } from '../config/config.ts';
import { renderCommand, RENDER_USAGE } from './renderCommand.ts';

const USAGE = `skychoir <command> [options]

  start     run the installation: embedded broker, sky, engine, audio, HTTP (/healthz)
  render    render a sky offline to a WAV file
  analyze   measure a WAV file: loudness (EBU R128), true peak, clicks, silence, repetition
            (skychoir analyze <file.wav> [--report dir] [--target -18])
  sensor    read a serial weather instrument (WXT, NMEA, WindSonic, BME280) or a sky
            camera, or replay a sky log, and publish it over MQTT
            (skychoir sensor --help, skychoir sensor camera --help, skychoir sensor replay --help)
  train     train a mapping model from examples and register it (skychoir train --help)
  model     list, activate or roll back model versions (skychoir model list|activate <v>|rollback)
  record    write a site's live sensor traffic to a sky log (skychoir record --help)
  hash-password   read a password on stdin, print its scrypt hash (broker users file)
  passwd    set a curator panel user's password and role (skychoir passwd --help)
  backup    an online, checked copy of the store while the engine runs (skychoir backup <file.db>)
  doctor    check the machine: audio device, serial ports, broker, ffmpeg, disk, clock
  version   the engine's version, its Node and the V8 flags it runs with
  help      this text

Options for every command:
  --config <file.json>   settings over the embedded defaults (docs/operations.md)

${RENDER_USAGE}`;

function engineVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version ?? 'unknown');
}

function takeConfig(args: string[]): { config: Config; rest: string[] } {
  const i = args.indexOf('--config');
  if (i < 0) return { config: DEFAULT_CONFIG, rest: args };
  const path = args[i + 1];
  if (!path) throw new Error('--config needs a file');
  return { config: loadConfigFile(path), rest: [...args.slice(0, i), ...args.slice(i + 2)] };
}

/** Commands that use the store get the configured one unless --store is given. */
function withStore(args: string[], config: Config): string[] {
  return args.includes('--store') ? args : [...args, '--store', config.paths.store];
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    const { config, rest } = takeConfig(args);
    switch (command) {
      case 'start': {
        const { startCommand } = await import('./startCommand.ts');
        return await startCommand(rest, config);
      }
      case 'render':
        return await renderCommand(rest, config);
      case 'sensor': {
        // Imported on demand: serialport's native binding loads only for this command.
        if (rest[0] === 'replay') {
          const { replayCommand } = await import('./replayCommand.ts');
          return await replayCommand(rest.slice(1));
        }
        if (rest[0] === 'camera') {
          const { cameraCommand } = await import('./cameraCommand.ts');
          return await cameraCommand(rest.slice(1));
        }
        const { sensorCommand } = await import('./sensorCommand.ts');
        return await sensorCommand(rest);
      }
      case 'hash-password': {
        const { hashPassword } = await import('../broker/brokerAccess.ts');
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
        if (password.length < 8) throw new Error('a password needs at least 8 characters');
        console.log(hashPassword(password));
        return 0;
      }
      case 'analyze': {
        const { analyzeCommand } = await import('./analyzeCommand.ts');
        return await analyzeCommand(rest);
      }
      case 'train': {
        const { trainCommand } = await import('./trainCommand.ts');
        return await trainCommand(withStore(rest, config));
      }
      case 'model': {
        const { modelCommand } = await import('./modelCommand.ts');
        return await modelCommand(withStore(rest, config));
      }
      case 'passwd': {
        const { passwdCommand } = await import('./passwdCommand.ts');
        return await passwdCommand(rest, config);
      }
      case 'backup': {
        const { backupCommand } = await import('./backupCommand.ts');
        return await backupCommand(withStore(rest, config));
      }
      case 'record': {
        const { recordCommand } = await import('./recordCommand.ts');
        return await recordCommand(rest);
      }
      case 'doctor': {
        const { runDoctor, formatVerdicts } = await import('../ops/doctor.ts');
        const verdicts = await runDoctor(config, join(PROJECT_ROOT, 'var'));
        console.log(formatVerdicts(verdicts));
        return verdicts.every((v) => v.ok) ? 0 : 1;
      }
      case 'version': {
        const { missingEngineFlags } = await import('../../bin/engineFlags.js');
        const missing = missingEngineFlags();
        console.log(`skychoir ${engineVersion()}, Node ${process.version}, V8 flags: ${process.execArgv.join(' ') || '(none)'}`);
        if (missing.length > 0) console.log(`not started with the engine's V8 flags: ${missing.join(' ')} (bin/engineFlags.js, docs/operations.md)`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`skychoir: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    console.error(`skychoir ${command}: ${(err as Error).message}`);
    return 1;
  }
}

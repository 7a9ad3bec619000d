/**
 * The engine's one SQLite file (node:sqlite): settings, curator examples, model versions,
 * the seasonal normaliser's state, the panel's users, sessions, audit log and presets,
 * and (migration 3) the sensor history by minute and the event log.
 *
 * Durability: WAL journal with `synchronous = FULL`. Writes are rare (an example now and
 * then, a model version per training, the normaliser every few minutes, history and
 * events in one batch a minute), so the cost of an fsync per commit is nothing, and a
 * committed curator example or model activation
 * survives not only kill -9 (which WAL + NORMAL would already survive: the WAL is in the
 * OS cache) but also a power cut in the lobby. Every multi-row change is one transaction.
 *
 * Every row is parsed on the way out (`parse*` below) into a typed value; a row that does
 * not parse is a StoreError naming the table and row, never a half-typed object.
 */
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../config/config.ts';

export const DEFAULT_STORE_PATH = join(PROJECT_ROOT, 'var', 'skychoir.db');

export class StoreError extends Error {
  override name = 'StoreError';
}

/** Numbered migrations, applied in order, each in its own transaction. Never edit one that shipped. */
const MIGRATIONS: readonly { readonly id: number; readonly name: string; readonly sql: string }[] = [
  {
    id: 1,
    name: 'settings, examples, model versions, normaliser state',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE examples (
        id INTEGER PRIMARY KEY,
        features TEXT NOT NULL,
        controls TEXT NOT NULL,
        feature_version INTEGER NOT NULL,
        control_version INTEGER NOT NULL,
        who TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      ) STRICT;
      CREATE TABLE model_versions (
        id INTEGER PRIMARY KEY,
        version TEXT NOT NULL UNIQUE,
        onnx BLOB NOT NULL,
        meta TEXT NOT NULL,
        training_set_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        activated_at TEXT
      ) STRICT;
      CREATE UNIQUE INDEX model_versions_one_active ON model_versions (active) WHERE active = 1;
      CREATE TABLE model_activations (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES model_versions (id),
        activated_at TEXT NOT NULL,
        who TEXT NOT NULL,
        rolled_back INTEGER NOT NULL DEFAULT 0 CHECK (rolled_back IN (0, 1))
      ) STRICT;
      CREATE TABLE normaliser_state (
        feature TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (feature, bucket)
      ) STRICT;
    `,
  },
  {
    id: 2,
    name: 'panel: users, sessions, audit log, presets',
    sql: `
      CREATE TABLE panel_users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('curator', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE panel_sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES panel_users (username) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      ) STRICT;
      CREATE TABLE presets (
        name TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        who TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    id: 3,
    name: 'sensor history (one row per series per minute), event log',
    // Keyed by minute first: the panel reads the last 24 h and retention deletes the
    // oldest minutes, both range scans of the primary key; no second index to keep.
    sql: `
      CREATE TABLE sensor_history (
        minute_ms INTEGER NOT NULL,
        series TEXT NOT NULL,
        mean REAL NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        PRIMARY KEY (minute_ms, series)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE event_log (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL
      ) STRICT;
      CREATE INDEX event_log_by_time ON event_log (at_ms);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface StoredExample {
  readonly id: number;
  readonly features: number[];
  readonly controls: number[];
  readonly featureVersion: number;
  readonly controlVersion: number;
  readonly who: string;
  readonly createdAt: string;
  readonly note: string;
}

export interface NewExample {
  readonly features: ArrayLike<number>;
  readonly controls: ArrayLike<number>;
  readonly featureVersion: number;
  readonly controlVersion: number;
  readonly who: string;
  readonly note?: string;
}

export interface ModelVersionRow {
  readonly id: number;
  readonly version: string;
  readonly meta: unknown;
  readonly trainingSetHash: string;
  readonly createdAt: string;
  readonly active: boolean;
  readonly activatedAt: string | null;
  readonly onnxBytes: number;
}

export interface NormaliserStateRow {
  readonly feature: string;
  readonly bucket: number;
  readonly state: unknown;
  readonly updatedAt: string;
}

export type PanelRole = 'curator' | 'viewer';

export interface PanelUserRow {
  readonly username: string;
  readonly role: PanelRole;
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A live session with its user's current role (a role change applies at once). */
export interface PanelSessionRow {
  readonly username: string;
  readonly role: PanelRole;
  readonly csrfToken: string;
  readonly expiresMs: number;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly who: string;
  readonly action: string;
  readonly detail: unknown;
}

export interface PresetRow {
  readonly name: string;
  readonly settings: unknown;
  readonly who: string;
  readonly updatedAt: string;
}

/**
 * One series over one minute: a sensor quantity (pressure, wind_speed, ...) or an engine
 * measure (output_rms_dbfs, loudness_short_term_lufs, novelty, voices). `minuteMs` is the
 * minute's start (Unix ms, UTC); `count` how many values went into it.
 */
export interface HistoryRow {
  readonly minuteMs: number;
  readonly series: string;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

export interface NewLoggedEvent {
  readonly atMs: number;
  /** sky, sensor, music, change, model, job, fault. */
  readonly kind: string;
  readonly text: string;
}

export interface LoggedEvent extends NewLoggedEvent {
  readonly id: number;
}

/** A series name: what the sensor contract calls a quantity, or an engine measure. */
export const SERIES_NAME = /^[a-z][a-z0-9_]{0,63}$/;

type Row = Record<string, unknown>;

function text(row: Row, key: string, where: string): string {
  const v = row[key];
  if (typeof v !== 'string') throw new StoreError(`${where}: column ${key} is not text`);
  return v;
}
function integer(row: Row, key: string, where: string): number {
  const v = row[key];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new StoreError(`${where}: column ${key} is not an integer`);
  return v;
}
function json(row: Row, key: string, where: string): unknown {
  try {
    return JSON.parse(text(row, key, where)) as unknown;
  } catch (error) {
    throw new StoreError(`${where}: column ${key} is not JSON (${(error as Error).message})`);
  }
}
function numbers(row: Row, key: string, where: string): number[] {
  const v = json(row, key, where);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new StoreError(`${where}: column ${key} is not an array of finite numbers`);
  }
  return v as number[];
}

function real(row: Row, key: string, where: string): number {
  const v = row[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError(`${where}: column ${key} is not a finite number`);
  return v;
}

function parseHistoryRow(row: Row): HistoryRow {
  const where = `sensor_history row ${String(row.series)}@${String(row.minute_ms)}`;
  return {
    minuteMs: integer(row, 'minute_ms', where),
    series: text(row, 'series', where),
    mean: real(row, 'mean', where),
    min: real(row, 'min', where),
    max: real(row, 'max', where),
    count: integer(row, 'count', where),
  };
}

function parseLoggedEvent(row: Row): LoggedEvent {
  const where = `event_log row ${String(row.id)}`;
  return { id: integer(row, 'id', where), atMs: integer(row, 'at_ms', where), kind: text(row, 'kind', where), text: text(row, 'text', where) };
}

function parseExample(row: Row): StoredExample {
  const where = `examples row ${String(row.id)}`;
  return {
    id: integer(row, 'id', where),
    features: numbers(row, 'features', where),
    controls: numbers(row, 'controls', where),
    featureVersion: integer(row, 'feature_version', where),
    controlVersion: integer(row, 'control_version', where),
    who: text(row, 'who', where),
    createdAt: text(row, 'created_at', where),
    note: text(row, 'note', where),
  };
}

function parseModelVersion(row: Row): ModelVersionRow {
  const where = `model_versions row ${String(row.id)}`;
  const activatedAt = row.activated_at;
  if (activatedAt !== null && typeof activatedAt !== 'string') throw new StoreError(`${where}: activated_at`);
  return {
    id: integer(row, 'id', where),
    version: text(row, 'version', where),
    meta: json(row, 'meta', where),
    trainingSetHash: text(row, 'training_set_hash', where),
    createdAt: text(row, 'created_at', where),
    active: integer(row, 'active', where) === 1,
    activatedAt,
    onnxBytes: integer(row, 'onnx_bytes', where),
  };
}

function parsePanelUser(row: Row): PanelUserRow {
  const where = `panel_users row ${String(row.username)}`;
  const role = text(row, 'role', where);
  if (role !== 'curator' && role !== 'viewer') throw new StoreError(`${where}: role '${role}'`);
  return {
    username: text(row, 'username', where),
    role,
    passwordHash: text(row, 'password_hash', where),
    createdAt: text(row, 'created_at', where),
    updatedAt: text(row, 'updated_at', where),
  };
}

function parseAuditEntry(row: Row): AuditEntry {
  const where = `audit_log row ${String(row.id)}`;
  return { id: integer(row, 'id', where), at: text(row, 'at', where), who: text(row, 'who', where), action: text(row, 'action', where), detail: json(row, 'detail', where) };
}

function parsePreset(row: Row): PresetRow {
  const where = `presets row ${String(row.name)}`;
  return { name: text(row, 'name', where), settings: json(row, 'settings', where), who: text(row, 'who', where), updatedAt: text(row, 'updated_at', where) };
}

const MODEL_COLUMNS =
  'id, version, meta, training_set_hash, created_at, active, activated_at, length(onnx) AS onnx_bytes';

export interface StoreOptions {
  /** Clock for created_at/updated_at (ISO 8601); tests inject one. */
  readonly now?: () => Date;
  /**
   * How long a write waits for another connection's write lock (default 5 s). The live
   * engine's history writer gives 100 ms: a lock held elsewhere (a backup, a training
   * job registering its model) must not stall the engine's thread; the batch is retried.
   */
  readonly busyTimeoutMs?: number;
}

export class SkychoirStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #now: () => Date;
  #closed = false;

  private constructor(path: string, db: DatabaseSync, now: () => Date) {
    this.path = path;
    this.#db = db;
    this.#now = now;
  }

  /** Opens (creating if needed) the store at `path` and brings its schema up to date. */
  static open(path: string = DEFAULT_STORE_PATH, options: StoreOptions = {}): SkychoirStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (error) {
      throw new StoreError(`store '${path}': cannot open (${(error as Error).message})`);
    }
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA foreign_keys = ON');
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 5000))}`);
      const store = new SkychoirStore(path, db, options.now ?? (() => new Date()));
      store.#migrate();
      return store;
    } catch (error) {
      db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`store '${path}': ${(error as Error).message}`);
    }
  }

  #migrate(): void {
    const db = this.#db;
    db.exec(
      'CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT',
    );
    const applied = new Set(
      db.prepare('SELECT id FROM migrations').all().map((r) => integer(r, 'id', 'migrations')),
    );
    const newest = Math.max(0, ...applied);
    if (newest > SCHEMA_VERSION) {
      throw new StoreError(
        `store '${this.path}': schema version ${newest} is newer than this engine's ${SCHEMA_VERSION}; run the newer engine or use another store file`,
      );
    }
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      this.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, this.#stamp());
      });
    }
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it is committed, or none. */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  get schemaVersion(): number {
    const row = this.#db.prepare('SELECT max(id) AS v FROM migrations').get();
    return row ? integer(row, 'v', 'migrations') : 0;
  }

  /** `PRAGMA integrity_check` and `foreign_key_check`: 'ok' or what is wrong. */
  integrityCheck(): string {
    const rows = this.#db.prepare('PRAGMA integrity_check').all();
    const result = rows.map((r) => String(r.integrity_check)).join('; ');
    const fk = this.#db.prepare('PRAGMA foreign_key_check').all();
    return fk.length === 0 ? result : `${result}; ${fk.length} foreign key violations`;
  }

  // --- settings -------------------------------------------------------------------------

  getSetting(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(key);
    return row ? text(row, 'value', `settings '${key}'`) : undefined;
  }

  setSetting(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(key, value, this.#stamp());
  }

  // --- curator examples -----------------------------------------------------------------

  addExample(example: NewExample): StoredExample {
    const check = (xs: ArrayLike<number>, what: string): number[] => {
      const values = Array.from(xs, Number);
      if (!values.every(Number.isFinite)) throw new StoreError(`example ${what}: every value must be finite`);
      return values;
    };
    const row = this.#db
      .prepare(
        'INSERT INTO examples (features, controls, feature_version, control_version, who, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
      )
      .get(
        JSON.stringify(check(example.features, 'features')),
        JSON.stringify(check(example.controls, 'controls')),
        example.featureVersion,
        example.controlVersion,
        example.who,
        this.#stamp(),
        example.note ?? '',
      );
    if (!row) throw new StoreError('examples: insert returned no row');
    return parseExample(row);
  }

  /** Examples in the order they were given; only those of a feature/control version if asked. */
  listExamples(versions?: { featureVersion: number; controlVersion: number }): StoredExample[] {
    const rows = versions
      ? this.#db
          .prepare('SELECT * FROM examples WHERE feature_version = ? AND control_version = ? ORDER BY id')
          .all(versions.featureVersion, versions.controlVersion)
      : this.#db.prepare('SELECT * FROM examples ORDER BY id').all();
    return rows.map(parseExample);
  }

  deleteExample(id: number): boolean {
    return Number(this.#db.prepare('DELETE FROM examples WHERE id = ?').run(id).changes) > 0;
  }

  // --- model versions -------------------------------------------------------------------

  /** Registers a trained model. Versions are unique; registering does not activate. */
  addModelVersion(model: {
    version: string;
    onnx: Uint8Array;
    meta: unknown;
    trainingSetHash: string;
  }): ModelVersionRow {
    if (this.getModelVersion(model.version)) {
      throw new StoreError(`model version '${model.version}' already exists; pick another version name`);
    }
    const row = this.#db
      .prepare(
        `INSERT INTO model_versions (version, onnx, meta, training_set_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING ${MODEL_COLUMNS}`,
      )
      .get(model.version, model.onnx, JSON.stringify(model.meta), model.trainingSetHash, this.#stamp());
    if (!row) throw new StoreError('model_versions: insert returned no row');
    return parseModelVersion(row);
  }

  listModelVersions(): ModelVersionRow[] {
    return this.#db.prepare(`SELECT ${MODEL_COLUMNS} FROM model_versions ORDER BY id`).all().map(parseModelVersion);
  }

  getModelVersion(version: string): ModelVersionRow | undefined {
    const row = this.#db.prepare(`SELECT ${MODEL_COLUMNS} FROM model_versions WHERE version = ?`).get(version);
    return row ? parseModelVersion(row) : undefined;
  }

  activeModelVersion(): ModelVersionRow | undefined {
    const row = this.#db.prepare(`SELECT ${MODEL_COLUMNS} FROM model_versions WHERE active = 1`).get();
    return row ? parseModelVersion(row) : undefined;
  }

  /** The ONNX bytes of a version. */
  modelBytes(version: string): Uint8Array {
    const row = this.#db.prepare('SELECT onnx FROM model_versions WHERE version = ?').get(version);
    const onnx = row?.onnx;
    if (!(onnx instanceof Uint8Array)) throw new StoreError(`model version '${version}' not found`);
    return onnx;
  }

  #setActive(modelId: number): void {
    const now = this.#stamp();
    this.#db.prepare('UPDATE model_versions SET active = 0 WHERE active = 1').run();
    this.#db.prepare('UPDATE model_versions SET active = 1, activated_at = ? WHERE id = ?').run(now, modelId);
  }

  /** Makes `version` the one the engine plays (one transaction), and logs who did it. */
  activateModelVersion(version: string, who = 'curator'): ModelVersionRow {
    return this.transaction(() => {
      const target = this.getModelVersion(version);
      if (!target) throw new StoreError(`model version '${version}' not found (skychoir model list)`);
      this.#setActive(target.id);
      this.#db
        .prepare('INSERT INTO model_activations (model_id, activated_at, who) VALUES (?, ?, ?)')
        .run(target.id, this.#stamp(), who);
      return this.getModelVersion(version) ?? target;
    });
  }

  /**
   * Goes back to the version active before the current one (repeatable: each rollback
   * steps one further back through the activations). With nothing to go back to, no
   * version stays active and the engine plays the shipped default model. Returns the
   * version now active, or undefined for the shipped default.
   */
  rollbackModelVersion(): ModelVersionRow | undefined {
    return this.transaction(() => {
      const live = this.#db
        .prepare('SELECT id, model_id FROM model_activations WHERE rolled_back = 0 ORDER BY id DESC LIMIT 2')
        .all();
      const current = live[0];
      if (!current) throw new StoreError('no model activation to roll back (skychoir model list)');
      this.#db.prepare('UPDATE model_activations SET rolled_back = 1 WHERE id = ?').run(integer(current, 'id', 'model_activations'));
      const previous = live[1];
      if (!previous) {
        this.#db.prepare('UPDATE model_versions SET active = 0 WHERE active = 1').run();
        return undefined;
      }
      this.#setActive(integer(previous, 'model_id', 'model_activations'));
      return this.activeModelVersion();
    });
  }

  // --- panel: users, sessions, audit log, presets ---------------------------------------

  /** Creates a panel user or replaces its password and role. */
  setPanelUser(username: string, role: PanelRole, passwordHash: string): PanelUserRow {
    const now = this.#stamp();
    this.#db
      .prepare(
        'INSERT INTO panel_users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, updated_at = excluded.updated_at',
      )
      .run(username, role, passwordHash, now, now);
    const user = this.getPanelUser(username);
    if (!user) throw new StoreError(`panel_users: '${username}' vanished after insert`);
    return user;
  }

  getPanelUser(username: string): PanelUserRow | undefined {
    const row = this.#db.prepare('SELECT * FROM panel_users WHERE username = ?').get(username);
    return row ? parsePanelUser(row) : undefined;
  }

  listPanelUsers(): PanelUserRow[] {
    return this.#db.prepare('SELECT * FROM panel_users ORDER BY username').all().map(parsePanelUser);
  }

  /** Stores a session by the hash of its token (a copy of the file gives no live session). */
  addPanelSession(session: { tokenHash: string; username: string; csrfToken: string; expiresMs: number }): void {
    this.#db
      .prepare('INSERT INTO panel_sessions (token_hash, username, csrf_token, created_at, expires_ms) VALUES (?, ?, ?, ?, ?)')
      .run(session.tokenHash, session.username, session.csrfToken, this.#stamp(), session.expiresMs);
  }

  getPanelSession(tokenHash: string): PanelSessionRow | undefined {
    const row = this.#db
      .prepare(
        'SELECT s.username, u.role, s.csrf_token, s.expires_ms FROM panel_sessions s JOIN panel_users u USING (username) WHERE s.token_hash = ?',
      )
      .get(tokenHash);
    if (!row) return undefined;
    const where = 'panel_sessions row';
    const role = text(row, 'role', where);
    if (role !== 'curator' && role !== 'viewer') throw new StoreError(`${where}: role '${role}'`);
    return { username: text(row, 'username', where), role, csrfToken: text(row, 'csrf_token', where), expiresMs: integer(row, 'expires_ms', where) };
  }

  deletePanelSession(tokenHash: string): void {
    this.#db.prepare('DELETE FROM panel_sessions WHERE token_hash = ?').run(tokenHash);
  }

  /** Forgets sessions that expired before `nowMs`; returns how many. */
  deleteExpiredPanelSessions(nowMs: number): number {
    return Number(this.#db.prepare('DELETE FROM panel_sessions WHERE expires_ms < ?').run(nowMs).changes);
  }

  /** Records a change: who, what (an action name) and its detail (e.g. old -> new). */
  addAuditEntry(entry: { who: string; action: string; detail: unknown }): AuditEntry {
    const row = this.#db
      .prepare('INSERT INTO audit_log (at, who, action, detail) VALUES (?, ?, ?, ?) RETURNING *')
      .get(this.#stamp(), entry.who, entry.action, JSON.stringify(entry.detail ?? null));
    if (!row) throw new StoreError('audit_log: insert returned no row');
    return parseAuditEntry(row);
  }

  /** The newest `limit` entries, newest first. */
  listAuditEntries(limit = 100): AuditEntry[] {
    return this.#db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit).map(parseAuditEntry);
  }

  savePreset(name: string, settings: unknown, who: string): PresetRow {
    this.#db
      .prepare(
        'INSERT INTO presets (name, settings, who, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, who = excluded.who, updated_at = excluded.updated_at',
      )
      .run(name, JSON.stringify(settings), who, this.#stamp());
    const preset = this.getPreset(name);
    if (!preset) throw new StoreError(`presets: '${name}' vanished after insert`);
    return preset;
  }

  getPreset(name: string): PresetRow | undefined {
    const row = this.#db.prepare('SELECT * FROM presets WHERE name = ?').get(name);
    return row ? parsePreset(row) : undefined;
  }

  listPresets(): PresetRow[] {
    return this.#db.prepare('SELECT * FROM presets ORDER BY name').all().map(parsePreset);
  }

  deletePreset(name: string): boolean {
    return Number(this.#db.prepare('DELETE FROM presets WHERE name = ?').run(name).changes) > 0;
  }

  // --- seasonal normaliser --------------------------------------------------------------

  /** Saves many (feature, bucket) states in one transaction. */
  saveNormaliserStates(states: readonly { feature: string; bucket: number; state: unknown }[]): void {
    const now = this.#stamp();
    const upsert = this.#db.prepare(
      'INSERT INTO normaliser_state (feature, bucket, state, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (feature, bucket) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    );
    this.transaction(() => {
      for (const s of states) upsert.run(s.feature, s.bucket, JSON.stringify(s.state), now);
    });
  }

  loadNormaliserStates(): NormaliserStateRow[] {
    return this.#db
      .prepare('SELECT * FROM normaliser_state ORDER BY feature, bucket')
      .all()
      .map((row) => {
        const where = `normaliser_state row ${String(row.feature)}/${String(row.bucket)}`;
        return {
          feature: text(row, 'feature', where),
          bucket: integer(row, 'bucket', where),
          state: json(row, 'state', where),
          updatedAt: text(row, 'updated_at', where),
        };
      });
  }

  // --- sensor history and event log ------------------------------------------------------

  /**
   * Writes minute aggregates and events in one transaction (one fsync). A row for a
   * series and minute already stored is merged with it (means weighted by count, the
   * wider min/max, counts added), so a minute written in two parts (the engine stopped
   * and started within it) stays one row. Bad values are refused before anything is written.
   */
  recordHistory(rows: readonly HistoryRow[], events: readonly NewLoggedEvent[] = []): void {
    for (const r of rows) {
      if (!SERIES_NAME.test(r.series)) throw new StoreError(`sensor_history: series '${r.series.slice(0, 70)}' is not a series name`);
      if (!Number.isInteger(r.minuteMs) || r.minuteMs % 60_000 !== 0) throw new StoreError(`sensor_history ${r.series}: minute ${r.minuteMs} is not the start of a minute`);
      // Not min <= mean <= max: wind direction's mean is circular (350 and 10 make 0).
      if (![r.mean, r.min, r.max].every(Number.isFinite) || r.min > r.max) {
        throw new StoreError(`sensor_history ${r.series}@${r.minuteMs}: want finite mean, min <= max, got ${r.mean}, ${r.min}, ${r.max}`);
      }
      if (!Number.isInteger(r.count) || r.count < 1) throw new StoreError(`sensor_history ${r.series}@${r.minuteMs}: count ${r.count}`);
    }
    for (const e of events) {
      if (!Number.isInteger(e.atMs) || e.kind.length === 0 || e.kind.length > 32) throw new StoreError(`event_log: bad event at ${e.atMs} kind '${e.kind.slice(0, 40)}'`);
    }
    const upsert = this.#db.prepare(
      `INSERT INTO sensor_history (minute_ms, series, mean, min, max, count) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (minute_ms, series) DO UPDATE SET
         mean = (mean * count + excluded.mean * excluded.count) / (count + excluded.count),
         min = min(min, excluded.min), max = max(max, excluded.max), count = count + excluded.count`,
    );
    const insertEvent = this.#db.prepare('INSERT INTO event_log (at_ms, kind, text) VALUES (?, ?, ?)');
    this.transaction(() => {
      for (const r of rows) upsert.run(r.minuteMs, r.series, r.mean, r.min, r.max, r.count);
      for (const e of events) insertEvent.run(e.atMs, e.kind, e.text.slice(0, 500));
    });
  }

  /** History rows with fromMs <= minute < toMs, oldest first (series in name order within a minute). */
  listHistory(fromMs: number, toMs = Number.MAX_SAFE_INTEGER): HistoryRow[] {
    return this.#db
      .prepare('SELECT * FROM sensor_history WHERE minute_ms >= ? AND minute_ms < ? ORDER BY minute_ms, series')
      .all(Math.floor(fromMs), Math.ceil(Math.min(toMs, Number.MAX_SAFE_INTEGER)))
      .map(parseHistoryRow);
  }

  /** The newest `limit` events at or after `sinceMs`, oldest first. */
  listEvents(sinceMs = 0, limit = 300): LoggedEvent[] {
    return this.#db
      .prepare('SELECT * FROM (SELECT * FROM event_log WHERE at_ms >= ? ORDER BY at_ms DESC, id DESC LIMIT ?) ORDER BY at_ms, id')
      .all(Math.floor(sinceMs), limit)
      .map(parseLoggedEvent);
  }

  /** Deletes history minutes before `beforeMs`; returns how many rows. */
  pruneHistory(beforeMs: number): number {
    return Number(this.#db.prepare('DELETE FROM sensor_history WHERE minute_ms < ?').run(Math.floor(beforeMs)).changes);
  }

  /** Deletes events before `beforeMs`; returns how many. */
  pruneEvents(beforeMs: number): number {
    return Number(this.#db.prepare('DELETE FROM event_log WHERE at_ms < ?').run(Math.floor(beforeMs)).changes);
  }

  /** How much history and how many events the file holds, and since when. */
  historyExtent(): { historyRows: number; oldestMinuteMs: number | null; events: number } {
    const h = this.#db.prepare('SELECT count(*) AS n, min(minute_ms) AS oldest FROM sensor_history').get() ?? {};
    const e = this.#db.prepare('SELECT count(*) AS n FROM event_log').get() ?? {};
    return {
      historyRows: integer(h, 'n', 'sensor_history'),
      oldestMinuteMs: h.oldest === null ? null : integer(h, 'oldest', 'sensor_history'),
      events: integer(e, 'n', 'event_log'),
    };
  }

  /** Closes the file (checkpointing the WAL). Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

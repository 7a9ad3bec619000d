/**
 * The stream's byte handling, without encoders: ICY titles interleaved and read back,
 * Ogg pages and MP3 frames split from arbitrary chunks, and the hub over real sockets:
 * headers and a burst on connect, a slow listener dropped while a fast one keeps going.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { IcyInterleaver, IcyReader, icyMetadataBlock } from '../src/stream/icyMetadata.ts';
import { OggPageSplitter } from '../src/stream/oggPages.ts';
import { Mp3FrameSplitter, parseMp3Header } from '../src/stream/mp3Frames.ts';
import { StreamHub } from '../src/stream/streamHub.ts';
import { startHttpServer } from '../src/http/httpServer.ts';
import { createLogger } from '../src/log/logger.ts';
import { bodyChunks } from './support/streamAnalysis.ts';

/** A minimal Ogg page (RFC 3533 layout; the CRC is not checked by the splitter). */
function oggPage(body: Buffer, granule: bigint, flags = 0, serial = 7): Buffer {
  const segments: number[] = [];
  let left = body.length;
  while (left >= 255) {
    segments.push(255);
    left -= 255;
  }
  segments.push(left);
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[5] = flags;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(serial, 14);
  header[26] = segments.length;
  return Buffer.concat([header, Buffer.from(segments), body]);
}

/** An MPEG-1 Layer III frame, 128 kb/s at 48 kHz: 144 * 128000 / 48000 = 384 bytes. */
function mp3Frame(fill: number): Buffer {
  const frame = Buffer.alloc(384, fill);
  frame[0] = 0xff;
  frame[1] = 0xfb;
  frame[2] = (9 << 4) | (1 << 2);
  frame[3] = 0x64;
  return frame;
}

function splitRandomly(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(bytes.subarray(last, p));
    last = p;
  }
  parts.push(bytes.subarray(last));
  return parts;
}

describe('ICY metadata', () => {
  it('pads a title to 16-byte units and replaces quotes', () => {
    const block = icyMetadataBlock("it's overcast");
    assert.equal((block.length - 1) % 16, 0);
    assert.equal(block[0], (block.length - 1) / 16);
    assert.match(block.toString('utf8'), /StreamTitle='it\u2019s overcast';\0*$/);
  });

  it('interleaves titles every metaint bytes and reads back the same audio (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 16, max: 3000 }), (sizes, metaint) => {
        const interleaver = new IcyInterleaver(metaint);
        const reader = new IcyReader(metaint);
        const sent: Buffer[] = [];
        const got: Buffer[] = [];
        sizes.forEach((size, i) => {
          const audio = Buffer.alloc(size, i % 251);
          sent.push(audio);
          const title = i < sizes.length / 2 ? 'clear, calm' : 'rain, wind 9 m/s';
          for (const part of interleaver.interleave(audio, title)) got.push(...reader.push(part));
        });
        assert.deepEqual(Buffer.concat(got), Buffer.concat(sent));
        const total = sent.reduce((n, b) => n + b.length, 0);
        assert.equal(reader.titles.length > 0, total >= metaint, 'a title at the first boundary');
        for (const t of reader.titles) assert.ok(t === 'clear, calm' || t === 'rain, wind 9 m/s', t);
        assert.equal(new Set(reader.titles).size, reader.titles.length, 'a title is sent again only when it changes');
      }),
      { numRuns: 60 },
    );
  });
});

describe('Ogg pages and MP3 frames', () => {
  it('splits Ogg pages from any chunking and marks the header pages', () => {
    const stream = Buffer.concat([
      oggPage(Buffer.from('OpusHead........'), 0n, 0x02),
      oggPage(Buffer.from('OpusTags' + 'x'.repeat(600)), 0n),
      oggPage(Buffer.alloc(900, 1), 960n),
      oggPage(Buffer.alloc(10, 2), 1920n, 0x04),
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
        const splitter = new OggPageSplitter();
        const pages = splitRandomly(Buffer.concat([Buffer.from('junk'), stream]), cuts).flatMap((c) => splitter.push(c));
        assert.deepEqual(pages.map((p) => p.header), [true, true, false, false]);
        assert.deepEqual(pages.map((p) => p.granule), [0n, 0n, 960n, 1920n]);
        assert.equal(pages[3]?.eos, true);
        assert.deepEqual(Buffer.concat(pages.map((p) => p.bytes)), stream);
        assert.equal(splitter.skippedBytes, 4);
      }),
      { numRuns: 50 },
    );
  });

  it('splits MP3 frames from any chunking, skipping what is not a frame', () => {
    assert.deepEqual(parseMp3Header(mp3Frame(0)), { length: 384, sampleRate: 48000, samples: 1152 });
    const frames = [mp3Frame(1), mp3Frame(2), mp3Frame(3)];
    const stream = Buffer.concat([Buffer.from('ID3 garbage'), ...frames]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 10 }), (cuts) => {
        const splitter = new Mp3FrameSplitter();
        const got = splitRandomly(stream, cuts).flatMap((c) => splitter.push(c));
        assert.deepEqual(got.map((f) => f.bytes), frames);
      }),
      { numRuns: 50 },
    );
  });
});

describe('stream hub', () => {
  const log = createLogger('test', { write: () => undefined });

  async function readFor(url: URL, ms: number, headers: Record<string, string> = {}): Promise<Buffer> {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(ms) }).catch(() => undefined);
    const chunks: Buffer[] = [];
    if (!res?.body) return Buffer.alloc(0);
    try {
      for await (const chunk of bodyChunks(res.body)) chunks.push(Buffer.from(chunk));
    } catch {
      // aborted by the timeout: what arrived is what we look at
    }
    return Buffer.concat(chunks);
  }

  it('gives a new listener the header pages and the last seconds at once', async () => {
    let now = 0;
    const hub = new StreamHub({
      format: 'ogg', contentType: 'audio/ogg', bitrateKbps: 96, burstS: 2, maxBacklogBytes: 1 << 20, maxListeners: 10,
      endListenersOnRestart: true, title: () => 'clear', station: { name: 'test', description: 'd', genre: 'g' }, log, now: () => now,
    });
    const http = await startHttpServer('127.0.0.1', 0, { '/live.ogg': (req, res) => hub.handle(req, res) });
    try {
      hub.push({ bytes: Buffer.from('HEAD1'), header: true });
      hub.push({ bytes: Buffer.from('TAGS2'), header: true });
      for (let i = 0; i < 10; i++) {
        now = i * 500;
        hub.push({ bytes: Buffer.from(`page${i}`), header: false });
      }
      const got = (await readFor(new URL('/live.ogg', http.url), 400)).toString();
      // 2 s of burst at 500 ms a page: pages 5..9 (page 5 is exactly 2 s old).
      assert.equal(got, 'HEAD1TAGS2page5page6page7page8page9');
      assert.equal(hub.stats().served, 1);
    } finally {
      hub.close();
      await http.close();
    }
  });

  it('drops a listener that stops reading, and keeps serving one that reads', async () => {
    const hub = new StreamHub({
      format: 'mp3', contentType: 'audio/mpeg', bitrateKbps: 128, burstS: 1, maxBacklogBytes: 256 * 1024, maxListeners: 10,
      endListenersOnRestart: false, title: () => 'clear', station: { name: 'test', description: 'd', genre: 'g' }, log,
    });
    const http = await startHttpServer('127.0.0.1', 0, { '/live.mp3': (req, res) => hub.handle(req, res) });
    const port = new URL(http.url).port;
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = connect(Number(port), '127.0.0.1', () => {
          s.write('GET /live.mp3 HTTP/1.1\r\nHost: x\r\n\r\n');
          resolve(s);
        });
      });
    const slow = await open();
    slow.pause(); // never reads: the kernel buffers fill, then the hub's backlog grows
    let slowClosed = false;
    slow.on('close', () => (slowClosed = true));
    slow.on('error', () => undefined);
    const fast = await open();
    let fastBytes = 0;
    fast.on('data', (d: Buffer) => (fastBytes += d.length));
    try {
      while (hub.listenerCount < 2) await new Promise((r) => setTimeout(r, 10));
      const frame = Buffer.alloc(64 * 1024, 7);
      let pushes = 0;
      const started = Date.now();
      // Push (never awaiting a listener) until the slow one is dropped; the push loop
      // yields so the fast listener's socket can drain, like the encoder's data events.
      while (hub.stats().droppedSlow === 0 && Date.now() - started < 20_000) {
        const t0 = performance.now();
        hub.push({ bytes: frame, header: false });
        // Waiting for the slow listener would take forever; 250 ms allows for a busy shared machine.
        assert.ok(performance.now() - t0 < 250, 'a push never waits for a listener');
        pushes++;
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(hub.stats().droppedSlow, 1, 'the slow listener was dropped');
      slow.resume(); // it reads what the kernel held, then finds the connection closed
      for (let i = 0; i < 100 && !slowClosed; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(slowClosed, 'its connection was closed');
      assert.equal(hub.listenerCount, 1, 'the fast listener stays');
      const before = fastBytes;
      hub.push({ bytes: frame, header: false });
      for (let i = 0; i < 50 && fastBytes === before; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(fastBytes > before, 'and still receives');
      assert.ok(pushes > 4);
    } finally {
      slow.destroy();
      fast.destroy();
      hub.close();
      await http.close();
    }
  });

  it('ends Ogg listeners on an encoder restart, refuses when full, answers HEAD', async () => {
    const hub = new StreamHub({
      format: 'ogg', contentType: 'audio/ogg', bitrateKbps: 96, burstS: 1, maxBacklogBytes: 1 << 20, maxListeners: 1,
      endListenersOnRestart: true, title: () => 'clear', station: { name: 'test', description: 'd', genre: 'g' }, log,
    });
    const http = await startHttpServer('127.0.0.1', 0, { '/live.ogg': (req, res) => hub.handle(req, res) });
    try {
      const head = await fetch(new URL('/live.ogg', http.url), { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('icy-name'), 'test');
      const first = fetch(new URL('/live.ogg', http.url)).then(async (r) => Buffer.from(await r.arrayBuffer()));
      while (hub.listenerCount < 1) await new Promise((r) => setTimeout(r, 10));
      assert.equal((await fetch(new URL('/live.ogg', http.url))).status, 503);
      hub.push({ bytes: Buffer.from('old'), header: false });
      hub.restart();
      assert.equal((await first).toString(), 'old', 'the listener saw its stream end');
      assert.equal(hub.stats().endedOnRestart, 1);
    } finally {
      hub.close();
      await http.close();
    }
  });
});

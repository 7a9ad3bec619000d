/** The `stream` config section: defaults, overrides, and refusals that name the field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebStreamConfig, DEFAULT_WEB_STREAM_CONFIG, StreamConfigError } from '../src/stream/streamConfig.ts';

describe('stream config', () => {
  it('defaults, and merges what is given', () => {
    assert.deepEqual(parseWebStreamConfig(undefined), DEFAULT_WEB_STREAM_CONFIG);
    const c = parseWebStreamConfig({ formats: ['mp3'], icecast: { url: 'http://icecast.example:8000/', password: 'pw', format: 'mp3', mount: '/sky.mp3' }, hls: { dir: 'out/hls' } }, undefined, '/srv');
    assert.deepEqual(c.formats, ['mp3']);
    assert.equal(c.icecast.url, 'http://icecast.example:8000');
    assert.equal(c.icecast.mount, '/sky.mp3');
    assert.equal(c.hls.dir, '/srv/out/hls');
    assert.equal(c.opusKbps, 96);
  });

  it('refuses bad fields by name', () => {
    const bad: [unknown, RegExp][] = [
      [{ formats: ['flac'] }, /stream\.formats\[0\]/],
      [{ mp3Kbps: 1000 }, /stream\.mp3Kbps/],
      [{ icecast: { url: 'http://h:8000/mount.ogg', password: 'x' } }, /stream\.icecast\.url/],
      [{ icecast: { url: 'http://h:8000' } }, /set password/],
      [{ icecast: { mount: 'no-slash' } }, /stream\.icecast\.mount/],
      [{ volume: 3 }, /unknown field 'volume'/],
    ];
    for (const [input, message] of bad) assert.throws(() => parseWebStreamConfig(input), (e: Error) => e instanceof StreamConfigError && message.test(e.message));
  });
});

/**
 * The stream formats the engine encodes, as ffmpeg output arguments and HTTP types.
 * Both keep the engine's 48 kHz (Opus only runs at 48 kHz; MP3 has a 48 kHz MPEG-1 rate).
 */
export type StreamFormat = 'ogg' | 'mp3';

export interface StreamFormatSpec {
  format: StreamFormat;
  contentType: string;
  /** The route it is served on. */
  path: string;
  outputArgs(options: { bitrateKbps: number; title: string }): string[];
}

export const STREAM_FORMATS: Record<StreamFormat, StreamFormatSpec> = {
  ogg: {
    format: 'ogg',
    contentType: 'audio/ogg',
    path: '/live.ogg',
    outputArgs: ({ bitrateKbps, title }) => [
      '-c:a', 'libopus', '-b:a', `${bitrateKbps}k`, '-application', 'audio', '-frame_duration', '20',
      // Short pages (200 ms) so a page, the unit of the burst and of listeners, is small
      // and a new listener starts close to now; flush so pages leave ffmpeg at once.
      '-page_duration', '200000', '-flush_packets', '1',
      '-metadata', `title=${title}`, '-f', 'ogg', 'pipe:1',
    ],
  },
  mp3: {
    format: 'mp3',
    contentType: 'audio/mpeg',
    path: '/live.mp3',
    outputArgs: ({ bitrateKbps }) => [
      '-c:a', 'libmp3lame', '-b:a', `${bitrateKbps}k`, '-ar', '48000',
      // No ID3 tag and no Xing header: on a pipe they cannot be rewritten, and a live
      // stream's first bytes must be a frame (titles travel as ICY metadata instead).
      '-id3v2_version', '0', '-write_xing', '0', '-flush_packets', '1', '-f', 'mp3', 'pipe:1',
    ],
  },
};

/** HLS for a CDN: AAC in MPEG-TS segments with a rolling playlist, written by ffmpeg. */
export function hlsOutputArgs(options: { dir: string; segmentS: number; bitrateKbps: number }): string[] {
  return [
    '-c:a', 'aac', '-b:a', `${options.bitrateKbps}k`,
    '-f', 'hls', '-hls_time', String(options.segmentS), '-hls_list_size', '6',
    '-hls_flags', 'delete_segments+omit_endlist+temp_file',
    // Segment numbers from the clock: a restarted encoder never reuses a name a CDN cached.
    '-hls_start_number_source', 'epoch',
    '-hls_segment_filename', `${options.dir}/live-%06d.ts`, `${options.dir}/live.m3u8`,
  ];
}

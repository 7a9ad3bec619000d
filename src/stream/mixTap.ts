/**
 * Taps the finished mix for the stream encoders without ever holding up the audio.
 *
 * A ScriptProcessorNode: the render thread hands each block to the JS thread and carries
 * on (node-web-audio-api queues them; measured: a 300 ms stall of the JS thread loses no
 * block). An AudioWorklet tap busy-loops a core in node-web-audio-api, so not that. The
 * tap only converts float to 16-bit PCM and hands it on; the sink must not block either
 * (the encoders drop a block rather than wait when their pipe is full).
 */

export interface MixTapOptions {
  /** Frames per block: 4096 at 48 kHz is 85 ms, few JS wake-ups, well under the burst. */
  bufferSize?: 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384;
}

export interface MixTap {
  /** Blocks delivered so far. */
  readonly blocks: number;
  /** The node's playbackTime of the last block, seconds of context time. */
  readonly lastBlockTimeS: number;
  stop(): void;
  /**
   * Stops delivering without touching the nodes, for a tap on a dead context (its device
   * was lost): such a context must be sent nothing more, not even a disconnect, because
   * node-web-audio-api's control channel holds 256 messages and blocks the sender when
   * full, and a dead render thread never empties it. Keep the tap referenced afterwards,
   * so no node finalizer sends anything either.
   */
  abandon(): void;
}

/** Interleaved signed 16-bit little-endian PCM (what `ffmpeg -f s16le` reads). */
export function toS16le(channels: readonly Float32Array[], frames: number): Buffer {
  const count = channels.length;
  // Int16Array is host-endian; every platform the engine runs on (x86-64, ARM) is little-endian.
  const out = new Int16Array(frames * count);
  for (let c = 0; c < count; c++) {
    const data = channels[c] as Float32Array;
    for (let i = 0; i < frames; i++) {
      const x = data[i] ?? 0;
      out[i * count + c] = x >= 1 ? 32767 : x <= -1 ? -32768 : Math.round(x * 32767);
    }
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Starts tapping `source` (a stereo node: the choir graph's `output`) and calls `onBlock`
 * with every block as float channels (left, right; the arrays are the processor's own and
 * valid only during the call). The tap is connected to the destination because a
 * processor is only pulled when something downstream of it is; it outputs silence, so
 * the speakers hear nothing of it. The stream's encoders (startMixTap) and the live
 * loudness meter each use one.
 */
export function startFloatTap(
  context: BaseAudioContext,
  source: AudioNode,
  onBlock: (channels: readonly [Float32Array, Float32Array], playbackTimeS: number) => void,
  options: MixTapOptions = {},
): MixTap {
  const bufferSize = options.bufferSize ?? 4096;
  const processor = context.createScriptProcessor(bufferSize, 2, 2);
  let blocks = 0;
  let lastBlockTimeS = 0;
  let stopped = false;
  processor.onaudioprocess = (event: AudioProcessingEvent) => {
    if (stopped) return;
    const input = event.inputBuffer;
    const left = input.getChannelData(0);
    const right = input.numberOfChannels > 1 ? input.getChannelData(1) : left;
    blocks++;
    lastBlockTimeS = event.playbackTime;
    try {
      onBlock([left, right], event.playbackTime);
    } catch {
      // A failing sink must never reach the audio side; the sink counts its own errors.
    }
  };
  source.connect(processor);
  processor.connect(context.destination);
  return {
    get blocks() {
      return blocks;
    },
    get lastBlockTimeS() {
      return lastBlockTimeS;
    },
    abandon() {
      stopped = true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      processor.onaudioprocess = null;
      try {
        source.disconnect(processor);
      } catch {
        // already disconnected (the graph was disposed first)
      }
      processor.disconnect();
    },
  };
}

/** A float tap whose blocks go on as interleaved s16le stereo (what the encoders read). */
export function startMixTap(
  context: BaseAudioContext,
  source: AudioNode,
  onPcm: (pcm: Buffer, playbackTimeS: number) => void,
  options: MixTapOptions = {},
): MixTap {
  return startFloatTap(context, source, (channels, playbackTimeS) => onPcm(toS16le(channels, channels[0].length), playbackTimeS), options);
}

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

/** Whoever listens to a shared processor: its callback and what it has had. */
interface Listener {
  onBlock: (channels: readonly [Float32Array, Float32Array], playbackTimeS: number) => void;
  blocks: number;
  lastBlockTimeS: number;
}

/** One processor on a source node, feeding every tap of that node that asked for its block size. */
interface SharedProcessor {
  processor: ScriptProcessorNode;
  bufferSize: number;
  listeners: Set<Listener>;
}

/**
 * The processors now tapping each source node. A ScriptProcessor costs the JS thread its
 * blocks' hand-over whether its callback does anything or not (measured on a live headless
 * context: ~0.45 % of a core for one with an empty callback; docs/benchmarks.md, live
 * cost), so the stream and the live loudness meter share one.
 */
const shared = new WeakMap<AudioNode, SharedProcessor[]>();

/**
 * Starts tapping `source` (a stereo node: the choir graph's `output`) and calls `onBlock`
 * with every block as float channels (left, right; the arrays are the processor's own and
 * valid only during the call). The tap is connected to the destination because a
 * processor is only pulled when something downstream of it is; it outputs silence, so
 * the speakers hear nothing of it. The stream's encoders (startMixTap) and the live
 * loudness meter each start one; taps of the same node and block size share one
 * processor, which goes when the last of them stops.
 */
export function startFloatTap(
  context: BaseAudioContext,
  source: AudioNode,
  onBlock: (channels: readonly [Float32Array, Float32Array], playbackTimeS: number) => void,
  options: MixTapOptions = {},
): MixTap {
  const bufferSize = options.bufferSize ?? 4096;
  const onNode = shared.get(source) ?? [];
  shared.set(source, onNode);
  let tapping = onNode.find((p) => p.bufferSize === bufferSize);
  if (!tapping) {
    tapping = openProcessor(context, source, bufferSize);
    onNode.push(tapping);
  }
  const { processor, listeners } = tapping;
  const listener: Listener = { onBlock, blocks: 0, lastBlockTimeS: 0 };
  listeners.add(listener);
  let stopped = false;
  /** The last tap gone: no more blocks for anybody. True when the processor was this tap's alone. */
  const leave = (): boolean => {
    listeners.delete(listener);
    if (listeners.size > 0) return false;
    const at = onNode.indexOf(tapping);
    if (at >= 0) onNode.splice(at, 1);
    return true;
  };
  return {
    get blocks() {
      return listener.blocks;
    },
    get lastBlockTimeS() {
      return listener.lastBlockTimeS;
    },
    abandon() {
      if (stopped) return;
      // The nodes are left alone (a dead context is sent nothing); the processor stays
      // referenced through this tap.
      stopped = true;
      leave();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (!leave()) return;
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

function openProcessor(context: BaseAudioContext, source: AudioNode, bufferSize: number): SharedProcessor {
  const processor = context.createScriptProcessor(bufferSize, 2, 2);
  const listeners = new Set<Listener>();
  processor.onaudioprocess = (event: AudioProcessingEvent) => {
    const input = event.inputBuffer;
    const left = input.getChannelData(0);
    const right = input.numberOfChannels > 1 ? input.getChannelData(1) : left;
    for (const listener of listeners) {
      listener.blocks++;
      listener.lastBlockTimeS = event.playbackTime;
      try {
        listener.onBlock([left, right], event.playbackTime);
      } catch {
        // A failing sink must never reach the audio side; the sink counts its own errors.
      }
    }
  };
  source.connect(processor);
  processor.connect(context.destination);
  return { processor, bufferSize, listeners };
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

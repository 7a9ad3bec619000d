/**
 * Tone.js on node-web-audio-api. Tone looks for the Web Audio classes on the global
 * object (e.g. `instanceof AudioParam`), so node-web-audio-api's polyfill must install
 * them before Tone is first evaluated; every module takes Tone from here to be sure.
 */
import 'node-web-audio-api/polyfill.js';
export * as Tone from 'tone';

/** Types of bin/engineFlags.js (plain JavaScript: the bin script may run on an older Node before it hands over). */
export declare const ENGINE_V8_FLAGS: readonly string[];
export declare function missingEngineFlags(
  execArgv?: readonly string[],
  nodeOptions?: string,
): string[];

/**
 * The publishing side of the contract check: every reader runs what it is about to
 * publish through the same parser the engine uses, so a reader bug (a value out of
 * range, a unit typo) is caught and counted at its source instead of on the broker.
 * The contract is validated on both ends.
 */
import { parseSensorMessage } from '../src/ingest/sensorMessage.ts';

/** Why a message must not be published, or undefined when it is valid. */
export function outgoingProblem(topic: string, payload: string): string | undefined {
  const result = parseSensorMessage(topic, Buffer.from(payload));
  if (!result.ok) return result.rejection.message;
  if (result.message.kind === 'state' && result.message.rejected.length > 0) return result.message.rejected.map((r) => r.message).join('; ');
  return undefined;
}

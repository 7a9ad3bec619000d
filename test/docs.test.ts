/** The docs stay true: the contract tables name what the code names, in its order. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FEATURES } from '../src/features/featureVector.ts';
import { CONTROLS } from '../src/model/controlVector.ts';
import { QUANTITIES, acceptedUnits, type Quantity } from '../src/ingest/units.ts';
import { SKY_EVENT_KINDS } from '../src/ingest/sensorMessage.ts';

const contracts = readFileSync('docs/contracts.md', 'utf8');

it('docs/contracts.md lists every feature, in order, with its range', () => {
  FEATURES.forEach((f, i) => assert.ok(contracts.includes(`| ${i} | \`${f.name}\` | ${f.unit} |`), `feature ${i} ${f.name}`));
});

it('docs/contracts.md lists every control, in order', () => {
  CONTROLS.forEach((c, i) => assert.ok(contracts.includes(`| ${i} | \`${c.name}\` | ${c.meaning} |`), `control ${i} ${c.name}`));
});

it('docs/contracts.md lists every quantity with its units and range, and every event kind', () => {
  for (const [q, spec] of Object.entries(QUANTITIES)) {
    const units = acceptedUnits(q as Quantity).map((u) => `\`${u}\``).join(', ');
    assert.ok(contracts.includes(`| \`${q}\` | ${spec.unit} | ${units} | ${spec.min}..${spec.max} |`), q);
  }
  for (const kind of SKY_EVENT_KINDS) assert.ok(contracts.includes(`\`${kind}\``), kind);
});

it('the README opens with the two quick-start commands', () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /## Quick start\s+```sh\n([^`]*)```/.exec(readme)?.[1]?.trim().split('\n');
  assert.deepEqual(block, ['npm install && npm start', 'npm test']);
});

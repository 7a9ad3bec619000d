// Child process for test/store.test.ts: writes examples as fast as it can, each together
// with a running count in settings (one transaction), until it is killed.
import { SkychoirStore } from '../../src/store/store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: storeWriter.ts <db>');
const store = SkychoirStore.open(path);
for (let n = 1; ; n++) {
  store.transaction(() => {
    store.addExample({
      features: Array.from({ length: 19 }, (_, i) => (n + i) / 1000),
      controls: Array.from({ length: 22 }, (_, i) => ((n * 7 + i) % 100) / 100),
      featureVersion: 2,
      controlVersion: 1,
      who: 'writer',
      note: `example ${n} `.repeat(50),
    });
    store.setSetting('examples.count', String(n));
  });
  if (n === 20) process.stdout.write('writing\n');
}

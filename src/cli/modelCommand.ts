/** `skychoir model list|activate <version>|rollback`: the model versions in the store. */
import { parseArgs } from 'node:util';
import { MappingModel } from '../model/mappingModel.ts';
import { DEFAULT_STORE_PATH, SkychoirStore } from '../store/store.ts';

export const MODEL_USAGE = `skychoir model list|activate <version>|rollback [--store file.db]
  list       every registered version, the active one marked *
  activate   check the version loads, then make it active (a running engine swaps within seconds)
  rollback   back to the version active before (repeatable; past the first, the shipped default)`;

export async function modelCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { store: { type: 'string', default: DEFAULT_STORE_PATH }, who: { type: 'string', default: 'curator' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  const [action, version] = positionals;
  if (values.help || action === undefined) {
    out(MODEL_USAGE);
    return action === undefined && !values.help ? 2 : 0;
  }
  const store = SkychoirStore.open(values.store);
  try {
    switch (action) {
      case 'list': {
        const rows = store.listModelVersions();
        if (rows.length === 0) out('no model versions in the store: the engine plays the shipped default (skychoir train)');
        for (const r of rows) {
          const meta = r.meta as { training?: { examples?: number; trainingMeanAbsError?: number } };
          out(`${r.active ? '*' : ' '} ${r.version.padEnd(28)} created ${r.createdAt}  ${String(meta.training?.examples ?? '?').padStart(5)} examples  MAE ${meta.training?.trainingMeanAbsError?.toFixed(4) ?? '?'}  set ${r.trainingSetHash.slice(0, 12)}`);
        }
        if (rows.length > 0 && !rows.some((r) => r.active)) out('(no active version: the engine plays the shipped default)');
        return 0;
      }
      case 'activate': {
        if (!version) throw new Error('model activate needs a version (skychoir model list)');
        // Refuse to activate what the engine would refuse to play (a clear message, nothing changes).
        const model = await MappingModel.fromBytes(store.modelBytes(version), `store:${version}`);
        await model.dispose();
        store.activateModelVersion(version, values.who);
        out(`activated '${version}'`);
        return 0;
      }
      case 'rollback': {
        const now = store.rollbackModelVersion();
        out(now ? `rolled back to '${now.version}'` : 'rolled back to the shipped default model');
        return 0;
      }
      default:
        throw new Error(`unknown model action '${action}'\n${MODEL_USAGE}`);
    }
  } finally {
    store.close();
  }
}

// `lookbook models list|pull|import|quantize|use|remove|info`.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { dataDirOf } from '../command-helpers.js';
import { readModelFolder } from '../../engine/model-folder.js';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../format-bytes.js';
import {
  catalogueEntrySize,
  loadCatalogue,
  requireCatalogueEntry,
  type CatalogueEntry,
} from '../../models/catalogue.js';
import { pullModel, type PullProgress } from '../../models/download.js';
import { importModel } from '../../models/import-model.js';
import {
  describeAgreement,
  PRECISIONS,
  quantizeModel,
  TOWERS,
  type Precision,
  type Tower,
} from '../../models/quantize.js';
import {
  getActiveModel,
  getInstalledModel,
  listInstalledModels,
  removeInstalledModel,
  setActiveModel,
  type InstalledModel,
} from '../../models/installed-models.js';
import { out, printJsonDocument, printJsonLines } from '../output.js';

function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

interface ListRow {
  id: string;
  name: string;
  installed: boolean;
  active: boolean;
  default: boolean;
  embedDim?: number;
  sizeBytes: number;
  languages?: string[];
  licence?: string;
  speed?: string;
  layout?: string | null;
  dir?: string;
  source: 'catalogue' | 'local';
}

async function listRows(dataDir: string): Promise<ListRow[]> {
  const installed = await listInstalledModels(dataDir);
  // No choice made yet means the demo model (see openLibrary).
  const active = (await getActiveModel(dataDir)) ?? 'demo';
  const byId = new Map(installed.map((m) => [m.id, m]));
  const rows: ListRow[] = loadCatalogue().map((e) => {
    const m = byId.get(e.id);
    return {
      id: e.id,
      name: e.name,
      installed: !!m,
      active: active === e.id,
      default: !!e.default,
      embedDim: e.embedDim,
      sizeBytes: m?.sizeBytes ?? catalogueEntrySize(e),
      languages: e.languages,
      licence: e.licence,
      speed: e.speed,
      ...(m ? { layout: m.layout, dir: m.dir } : {}),
      source: 'catalogue',
    };
  });
  for (const m of installed) {
    if (rows.some((r) => r.id === m.id)) continue;
    // Models without a manifest (the demo model, older imports) say their dimension in their config.
    const embedDim =
      m.manifest?.embedDim ??
      (await readModelFolder(m.dir).then(
        (f) => f.info.embedDim,
        () => undefined,
      ));
    rows.push({
      id: m.id,
      name: m.id === 'demo' ? 'Demo model (colour only, generated)' : (m.manifest?.name ?? m.id),
      installed: true,
      active: active === m.id,
      default: false,
      ...(embedDim ? { embedDim } : {}),
      sizeBytes: m.sizeBytes,
      layout: m.layout,
      dir: m.dir,
      source: 'local',
    });
  }
  return rows;
}

function printList(rows: ListRow[]): void {
  const header = ['', 'ID', 'SIZE', 'DIM', 'SPEED', 'LANGUAGES', 'LICENCE', 'STATUS'];
  const table = rows.map((r) => [
    r.active ? '*' : ' ',
    r.id,
    formatBytes(r.sizeBytes),
    r.embedDim ? String(r.embedDim) : '?',
    r.speed ?? '',
    (r.languages ?? []).slice(0, 4).join(',') + ((r.languages?.length ?? 0) > 4 ? ',…' : ''),
    r.licence ?? '',
    [
      r.installed ? (r.layout === null ? 'installed (incomplete!)' : 'installed') : 'available',
      r.default ? 'suggested' : '',
    ]
      .filter(Boolean)
      .join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out(fmt(header));
  for (const row of table) out(fmt(row));
  out();
  out('* = active. Get one with: lookbook models pull ID');
}

function infoOf(
  entry: CatalogueEntry | undefined,
  installed: InstalledModel | undefined,
  active: boolean,
): object {
  return {
    id: installed?.id ?? entry?.id,
    name: entry?.name ?? installed?.manifest?.name ?? installed?.id,
    installed: !!installed,
    active,
    ...(installed
      ? {
          dir: installed.dir,
          layout: installed.layout,
          sizeBytes: installed.sizeBytes,
          manifest: installed.manifest,
        }
      : {}),
    ...(entry ? { catalogue: entry } : {}),
  };
}

function progressReporter(entry: CatalogueEntry): {
  onProgress: (p: PullProgress) => void;
  stop: () => void;
} {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {done}/{all} | {speed} | ETA {eta_h} | {file}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
      noTTYOutput: false,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (p) => {
      const payload = {
        done: formatBytes(p.bytes),
        all: formatBytes(p.total),
        speed: p.speedBps > 0 ? `${formatBytes(Math.round(p.speedBps))}/s` : '--',
        eta_h: formatEta(p.etaSeconds),
        file:
          p.phase === 'download' ? (p.file ?? '') : p.phase === 'verify' ? `verifying ${p.file}` : p.phase,
      };
      if (!started) {
        process.stderr.write(`Downloading ${entry.name} (${entry.id}) from ${entry.repo}\n`);
        bar.start(Math.max(p.total, 1), p.bytes, payload);
        started = true;
      }
      bar.setTotal(Math.max(p.total, 1));
      bar.update(p.bytes, payload);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('the models that match photos with words: list, download, import, choose');

  models
    .command('list')
    .description('catalogue models and installed models')
    .option('--json', 'one JSON object per model and line')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const rows = await listRows(dataDirOf(cmd));
      if (opts.json) printJsonLines(rows);
      else printList(rows);
    });

  models
    .command('pull')
    .description('download a catalogue model (resumes an interrupted download)')
    .argument('<id>', 'catalogue id, see: lookbook models list')
    .option('--force', 'download again even if installed')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(async (id: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const entry = requireCatalogueEntry(id);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort();
      process.once('SIGINT', onSigint);
      const reporter = opts.json ? undefined : progressReporter(entry);
      try {
        const result = await pullModel({
          dataDir,
          entry,
          signal: controller.signal,
          force: !!opts.force,
          ...(reporter ? { onProgress: reporter.onProgress } : {}),
        });
        reporter?.stop();
        if (opts.json) printJsonDocument(result);
        else {
          out(`Installed ${entry.id} in ${result.dir}`);
          if ((await getActiveModel(dataDir)) !== entry.id)
            out(`Use it with: lookbook models use ${entry.id}`);
        }
      } finally {
        reporter?.stop();
        process.off('SIGINT', onSigint);
      }
    });

  models
    .command('import')
    .description(
      'install a model folder or archive (.zip, .tar, .tar.gz) in the Immich or Hugging Face layout',
    )
    .argument('<path>', 'folder or archive')
    .option('--id <id>', 'install under this id (default: the folder or archive name)')
    .option('--force', 'replace an installed model with the same id')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, opts: { id?: string; force?: boolean; json?: boolean }, cmd: Command) => {
      const result = await importModel(path, {
        dataDir: dataDirOf(cmd),
        ...(opts.id ? { id: opts.id } : {}),
        force: !!opts.force,
        ...(opts.json ? {} : { onStatus: (m: string) => process.stderr.write(`${m}…\n`) }),
      });
      if (opts.json)
        printJsonDocument({
          id: result.id,
          dir: result.dir,
          layout: result.layout,
          embedDim: result.embedDim,
        });
      else {
        out(
          `Imported ${result.id} (${result.layout} layout, ${result.embedDim}-dim embeddings) into ${result.dir}`,
        );
        out(`Use it with: lookbook models use ${result.id}`);
      }
    });

  models
    .command('quantize')
    .description(
      'make a faster copy of an installed model: int8 for the CPU, fp16 for graphics cards; ' +
        'installed as <id>-int8 or <id>-fp16 once it is checked against the original',
    )
    .argument('<model>', 'an installed model id or a model folder')
    .option('--precision <p>', `${PRECISIONS.join(' or ')}`, 'int8')
    .option('--towers <list>', `which parts to convert: ${TOWERS.join(',')}`, TOWERS.join(','))
    .option('--id <id>', 'install under this id (default: <model>-<precision>)')
    .option('--force', 'replace an installed model with the same id')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        model: string,
        opts: { precision: string; towers: string; id?: string; force?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const precision = opts.precision as Precision;
        if (!PRECISIONS.includes(precision)) {
          throw new UserError(
            `--precision must be ${PRECISIONS.join(' or ')}, not '${opts.precision}'`,
            'invalid-argument',
          );
        }
        const towers = opts.towers
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const unknown = towers.filter((t) => !TOWERS.includes(t as Tower));
        if (towers.length === 0 || unknown.length > 0) {
          throw new UserError(
            `--towers takes ${TOWERS.join(', ')} (comma separated), not '${opts.towers}'`,
            'invalid-argument',
          );
        }
        const result = await quantizeModel({
          dataDir: dataDirOf(cmd),
          model,
          precision,
          towers: towers as Tower[],
          ...(opts.id ? { id: opts.id } : {}),
          force: !!opts.force,
          ...(opts.json
            ? {}
            : {
                onProgress: (p) => {
                  if (p.phase !== 'done') process.stderr.write(`[${p.step + 1}/${p.total}] ${p.message}…\n`);
                },
              }),
        });
        if (opts.json) return printJsonDocument(result);
        out(`Installed ${result.id} (${result.precision}, from ${result.from}) in ${result.dir}`);
        out(
          `  size:       ${formatBytes(result.sizeBytes)} (the original: ${formatBytes(result.originalSizeBytes)})`,
        );
        out(`  agreement:  ${describeAgreement(result.agreement)} with the original`);
        out(`              (cosine of embeddings; median and lowest over sample pictures and phrases)`);
        out(`Use it with: lookbook models use ${result.id}`);
      },
    );

  models
    .command('use')
    .description('make a model the active one')
    .argument('<id>', "an installed model id, or 'demo'")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      await setActiveModel(dataDir, id);
      const active = await getActiveModel(dataDir);
      out(`Active model: ${active}`);
      out('Photos indexed with another model are re-encoded when the library is next indexed.');
    });

  models
    .command('remove')
    .description('delete an installed model')
    .argument('<id>', 'installed model id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { wasActive } = await removeInstalledModel(dataDirOf(cmd), id);
      out(`Removed ${id}`);
      if (wasActive) out('It was the active model; choose another with: lookbook models use ID');
    });

  models
    .command('info')
    .description('details of a catalogue or installed model')
    .argument('<id>', 'model id')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const installed = await getInstalledModel(dataDir, id);
      const entry = loadCatalogue().find((e) => e.id === (installed?.id ?? id));
      if (!installed && !entry) {
        throw new UserError(
          `no model '${id}' installed or in the catalogue; see: lookbook models list`,
          'model-not-found',
        );
      }
      const active = ((await getActiveModel(dataDir)) ?? 'demo') === (installed?.id ?? entry?.id);
      const info = infoOf(entry, installed, active);
      if (opts.json) return printJsonDocument(info);
      out(`${entry?.name ?? installed?.manifest?.name ?? id} (${installed?.id ?? entry?.id})`);
      if (entry) {
        out(`  ${entry.description}`);
        out(`  source:     ${entry.repo}@${entry.revision} (${entry.layout} layout)`);
        out(`  embedding:  ${entry.embedDim} dimensions`);
        out(`  languages:  ${entry.languages.join(', ')}`);
        out(`  licence:    ${entry.licence}`);
        out(`  speed:      ${entry.speed}`);
        out(`  download:   about ${formatBytes(catalogueEntrySize(entry))}`);
        if (entry.notes) out(`  notes:      ${entry.notes}`);
      }
      if (installed) {
        out(
          `  installed:  ${installed.dir} (${formatBytes(installed.sizeBytes)}, ${installed.layout ?? 'incomplete'})`,
        );
        const source = installed.manifest?.source;
        if (source?.type === 'import') out(`  imported from: ${source.path}`);
        if (source?.type === 'converted') {
          out(`  made from:  ${source.from} (${source.precision}, ${source.towers.join(' and ')} converted)`);
          out(`  agreement:  ${describeAgreement(source.agreement)} with the original`);
        }
        if (installed.manifest?.installedAt) out(`  since:      ${installed.manifest.installedAt}`);
      } else out('  not installed');
      out(`  active:     ${active ? 'yes' : 'no'}`);
    });
}

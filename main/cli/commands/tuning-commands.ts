// `lookbook pairs add|import|from-tags|list|remove`, `lookbook tune`, `lookbook eval`,
// `lookbook adapters list|use|rollback`, `lookbook export-features`.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { numberIn, withCore } from '../command-helpers.js';
import { UserError } from '../../errors.js';
import type { AdapterChoice } from '../../tuning/adapter-choice.js';
import type { SkippedItem } from '../../tuning/dataset-embedding.js';
import type { FeatureSource } from '../../tuning/feature-export.js';
import { logWarning } from '../../log.js';
import { describePairCounts, type PairSource, type PairSplit } from '../../tuning/pairs-store.js';
import {
  describeBasis,
  describeRecall,
  metricsBasis,
  MIN_PAIRS,
  type RecallBasis,
  type RecallReport,
} from '../../tuning/recall.js';
import { ACTIVATION_RULE } from '../../tuning/training-run.js';
import { adapterName } from '../../adapters/adapter-store.js';
import { DEFAULT_CLASS_TEMPLATE } from '../../tuning/folder-dataset.js';
import { DEFAULT_TAG_TEMPLATE } from '../../tuning/tag-pairs.js';
import type { TuningService } from '../../tuning/tuning-service.js';
import { count, out, printJsonDocument, printJsonLines } from '../output.js';

const err = (line: string) => process.stderr.write(`${line}\n`);

async function withTuning<T>(cmd: Command, fn: (tuning: TuningService) => Promise<T>): Promise<T> {
  return withCore(cmd, async (core) => fn(await core.tuning()));
}

/** 'v3', '3' → 3; 'none' → 'none'. */
function parseAdapter(value: string): AdapterChoice {
  if (value === 'none') return 'none';
  if (value === 'active') return 'active';
  const m = /^v?([1-9][0-9]*)$/.exec(value);
  if (!m) throw new UserError(`--adapter must be a version (v3 or 3), 'active' or 'none', got '${value}'`);
  return Number(m[1]);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const pct = (x: number | undefined) => (x === undefined ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);

function recallTable(rows: [string, RecallReport][]): string[] {
  const lines = ['                 R@1     R@5    R@10  (text→image | image→text)   mean'];
  for (const [name, r] of rows) {
    const t = r.textToImage;
    const i = r.imageToText;
    lines.push(
      `${name.padEnd(10)} ${pct(t[1])} ${pct(t[5])} ${pct(t[10])} | ${pct(i[1])} ${pct(i[5])} ${pct(i[10])}   ${pct(r.mean)}`,
    );
  }
  return lines;
}

function reportSkipped(source: string, skipped: SkippedItem[]): void {
  for (const s of skipped) {
    const where = s.line !== undefined ? `${source}:${s.line}` : (s.path ?? source);
    logWarning(`${where}: ${s.reason}`);
  }
}

export function registerTuningCommands(program: Command): void {
  const pairs = program
    .command('pairs')
    .description('photos with your own descriptions, which `tune` learns your words from');

  pairs
    .command('add')
    .description('caption a library photo (path or content id)')
    .argument('<photo>')
    .argument('<text>')
    .action(async (photo: string, text: string, _o: unknown, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const p = await tuning.addCaption(photo, text);
        out(`Added pair ${p.id.slice(0, 12)} (${p.split}): ${photo} — ${p.text}`);
      }),
    );

  pairs
    .command('import')
    .description(
      'import a dataset for fine-tuning: a TSV file (text<TAB>base64 image) or a folder-per-class directory; its images are training data, not library photos (unless --into-library)',
    )
    .argument('<path>')
    .option('--name <name>', 'dataset name (its folder under <data-dir>/imported); default: the file name')
    .option('--into-library', 'also add the images to the library: searched, counted and shown as photos')
    .option(
      '--template <text>',
      'folder datasets: the text for each photo, {label} replaced by its class (folder) name',
      DEFAULT_CLASS_TEMPLATE,
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (
        path: string,
        o: { name?: string; template: string; intoLibrary?: boolean; json?: boolean },
        cmd: Command,
      ) =>
        withTuning(cmd, async (tuning) => {
          const r = await tuning.importPath(path, {
            name: o.name,
            template: o.template,
            intoLibrary: o.intoLibrary ?? false,
          });
          if (o.json) printJsonDocument(r);
          else {
            out(
              `Imported ${count(r.imported, 'pair')} from ${path}${r.existing ? ` (${r.existing} already stored)` : ''}.`,
            );
            out(
              r.inLibrary
                ? `Images are in ${r.folder}, a library folder: they are photos of the library too.`
                : `Images are in ${r.folder}, kept for fine-tuning only: they are not library photos (--into-library adds them).`,
            );
          }
          reportSkipped(path, r.skipped);
          // Every good line is in; still a non-zero exit so scripts notice the bad ones.
          if (r.skipped.length > 0) {
            throw new UserError(
              `${r.skipped.length} ${r.skipped.length === 1 ? 'entry was' : 'entries were'} skipped (see above); the others were imported`,
            );
          }
        }),
    );

  pairs
    .command('from-tags')
    .description('turn confirmed tags into pairs (text from a template)')
    .option('--template <text>', 'the text for each photo, {label} replaced by the tag', DEFAULT_TAG_TEMPLATE)
    .option('--label <label...>', 'only these tags')
    .action(async (o: { template: string; label?: string[] }, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const r = await tuning.addPairsFromTags({ template: o.template, labels: o.label });
        out(
          `Added ${count(r.imported, 'pair')} from confirmed tags${r.existing ? ` (${r.existing} already stored)` : ''}.`,
        );
      }),
    );

  pairs
    .command('list')
    .description('list the stored pairs')
    .option('--split <split>', 'train or val')
    .option('--source <source>', 'caption, tag, tsv or folder')
    .option('--limit <n>', 'at most this many', numberIn('--limit', 1, 1e9, true))
    .option('--json', 'one JSON object per line')
    .action(async (o: { split?: string; source?: string; limit?: number; json?: boolean }, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        if (o.split && o.split !== 'train' && o.split !== 'val')
          throw new UserError(`--split must be train or val, got '${o.split}'`);
        const list = await tuning.listPairs({
          ...(o.split ? { split: o.split as PairSplit } : {}),
          ...(o.source ? { source: o.source as PairSource } : {}),
        });
        const shown = o.limit !== undefined ? list.slice(0, o.limit) : list;
        if (o.json) {
          printJsonLines(shown);
          return;
        }
        if (shown.length === 0) {
          out('No pairs yet: `lookbook pairs add PHOTO TEXT` or `lookbook pairs import FILE.tsv`.');
          return;
        }
        for (const p of shown)
          out(
            `${p.id.slice(0, 12)}  ${p.split.padEnd(5)}  ${p.source.padEnd(7)}  ${p.contentId.slice(0, 12)}  ${p.text}`,
          );
        const c = await tuning.counts();
        out(`${describePairCounts(c)}; ${count(c.photos, 'photo')}.`);
      }),
    );

  pairs
    .command('remove')
    .description('remove pairs by id (the first 8+ characters are enough)')
    .argument('<ids...>')
    .action(async (ids: string[], _o: unknown, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const all = await tuning.listPairs();
        const full: string[] = [];
        for (const id of ids) {
          const matches = id.length >= 8 ? all.filter((p) => p.id.startsWith(id.toLowerCase())) : [];
          if (matches.length !== 1)
            throw new UserError(
              matches.length ? `'${id}' matches several pairs; give more of it` : `no pair '${id}'`,
            );
          full.push(matches[0]!.id);
        }
        out(`Removed ${count(await tuning.removePairs(full), 'pair')}.`);
      }),
    );

  program
    .command('tune')
    .description(
      `train a new adapter on the stored pairs and print recall before and after. ${ACTIVATION_RULE}`,
    )
    .option('--epochs <n>', 'passes over the pairs', numberIn('--epochs', 1, 10000, true), 20)
    .option(
      '--lr <x>',
      'how far each training step moves (smaller: slower but steadier)',
      numberIn('--lr', 1e-7, 1),
      1e-3,
    )
    .option(
      '--batch <n>',
      'pairs per step (default: by data size, at most 256)',
      numberIn('--batch', MIN_PAIRS, 65536, true),
    )
    .option(
      '--alpha <a>',
      'how much of what was learned to use: 0 = none (the model as it came) … 1 = all of it',
      numberIn('--alpha', 0, 1),
      1,
    )
    .option('--text-only', 'learn only how words are read; the index of your photos is used as it is')
    .option('--no-activate', 'save the new version without using it, even when it measures better')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        o: {
          epochs: number;
          lr: number;
          batch?: number;
          alpha: number;
          textOnly?: boolean;
          activate: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) =>
        withTuning(cmd, async (tuning) => {
          const interactive = process.stderr.isTTY === true;
          const bar = new cliProgress.SingleBar(
            {
              format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | R@1 {r1}',
              stream: process.stderr,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          let started = false;
          let lastR1 = '-';
          const abort = new AbortController();
          const onSigint = () => abort.abort(new UserError('training cancelled; nothing was saved'));
          process.once('SIGINT', onSigint);
          try {
            const result = await tuning.train({
              epochs: o.epochs,
              lr: o.lr,
              alpha: o.alpha,
              // The one rule (ACTIVATION_RULE) unless --no-activate.
              activate: o.activate ? 'if-better' : false,
              signal: abort.signal,
              ...(o.batch !== undefined ? { batchSize: o.batch } : {}),
              ...(o.textOnly ? { trainImage: false } : {}),
              onProgress: (p) => {
                if (p.phase !== 'training') return;
                if (p.recall) {
                  const basis = p.basis ? ` ${describeBasis(p.basis)}` : '';
                  lastR1 = `${pct(p.recall.textToImage[1]).trim()}${basis}`;
                }
                const payload = {
                  epoch: p.epoch,
                  epochs: p.epochs,
                  loss: p.loss?.toFixed(4) ?? '-',
                  r1: lastR1,
                };
                if (!interactive) {
                  if (p.recall) err(`epoch ${p.epoch}/${p.epochs}  loss ${payload.loss}  R@1 ${lastR1}`);
                  return;
                }
                const total = p.epochs * p.stepsPerEpoch;
                const done = (p.epoch - 1) * p.stepsPerEpoch + p.step;
                if (!started) {
                  bar.start(total, done, payload);
                  started = true;
                } else bar.update(done, payload);
              },
            });
            if (started) bar.stop();
            if (o.json) {
              printJsonDocument({ ...result, history: undefined });
              return;
            }
            out(
              `Trained on ${count(result.trainPairs, 'pair')}, ${count(result.history.length, 'epoch')} (best: ${result.bestEpoch}) in ${result.seconds.toFixed(1)} s.`,
            );
            const basis: RecallBasis = {
              pairs: result.measuredPairs,
              on: result.evaluatedOn === 'val' ? 'held-out' : 'training',
            };
            out(
              `Recall ${describeBasis(basis)}${result.evaluatedOn === 'val' ? '' : ' (too few held-out pairs to measure on)'}:`,
            );
            for (const line of recallTable([
              ['before', result.before],
              ['after', result.after],
            ]))
              out(line);
            if (result.notIndexed > 0)
              out(`${count(result.notIndexed, 'pair')} left out: the photos are not indexed yet.`);
            out(result.activationNote);
            out(
              result.activated
                ? 'Search, similar and tagging use it now (`lookbook adapters rollback` to undo).'
                : `To use it anyway: \`lookbook adapters use ${result.version}\`.`,
            );
          } finally {
            if (started) bar.stop();
            process.off('SIGINT', onSigint);
          }
        }),
    );

  program
    .command('eval')
    .description('Recall@1/5/10 in both directions for a TSV dataset (text<TAB>base64 image)')
    .argument('<dataset>')
    .option('--adapter <v>', "adapter version, 'none' (zero-shot) or 'active'", parseAdapter)
    .option('--json', 'print JSON')
    .action(async (dataset: string, o: { adapter?: AdapterChoice; json?: boolean }, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const r = await tuning.evaluateTsv(dataset, o.adapter !== undefined ? { adapter: o.adapter } : {});
        if (o.json) printJsonDocument(r);
        else {
          out(
            `Recall ${r.measuredOn}, model ${r.model}, adapter ${r.adapter}${r.alpha !== null && r.alpha !== 1 ? ` (alpha ${r.alpha})` : ''}:`,
          );
          for (const line of recallTable([['recall', r]])) out(line);
          if (r.repeats > 0)
            out(
              `Note: ${count(r.repeats, 'more pair')} repeat a caption or photo already counted and are left out: each caption and each photo counts once, as when training measures recall.`,
            );
        }
        reportSkipped(dataset, r.skipped);
      }),
    );

  const adapters = program
    .command('adapters')
    .description(
      'what `tune` learned, one version per training (for the active model): list, use, roll back',
    );
  adapters
    .command('list')
    .description('the versions, with how well each finds the described photos, and which is in use')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const list = await tuning.listAdapters();
        if (o.json) {
          printJsonLines(list);
          return;
        }
        if (list.length === 0) {
          out('No adapters yet: `lookbook tune`.');
          return;
        }
        for (const v of list) {
          if (v.error) {
            out(`  ${adapterName(v.version, v.createdAt)}  unreadable: ${v.error}`);
            continue;
          }
          const m = v.metrics;
          const recall = m
            ? `trained on ${count(m.trainPairs, 'pair')}; ${describeRecall(
                { before: m.before.textToImage[1] ?? 0, after: m.after.textToImage[1] ?? 0 },
                metricsBasis(m),
              )}`
            : '';
          const alpha = v.active ? `alpha ${v.alphaInUse ?? v.alpha}` : `alpha ${v.alpha}`;
          out(`${v.active ? '*' : ' '} ${adapterName(v.version, v.createdAt)}  ${alpha}  ${recall}`);
        }
        if (!list.some((v) => v.active)) out('(none in use: the model as it came)');
      }),
    );
  adapters
    .command('use')
    .description("use a version (v3 or 3), or 'none' for the model as it came")
    .argument('<version>')
    .option(
      '--alpha <a>',
      'how much of what was learned to use: 0 = none (the model as it came) … 1 = all of it',
      numberIn('--alpha', 0, 1),
    )
    .action(async (version: string, o: { alpha?: number }, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const v = parseAdapter(version);
        if (v === 'active') throw new UserError("give a version or 'none'");
        await tuning.activate(v === 'none' ? null : v, o.alpha !== undefined ? { alpha: o.alpha } : {});
        out(
          v === 'none'
            ? 'Using no adapter (the model as it came).'
            : `Using adapter v${v}${o.alpha !== undefined ? ` at alpha ${o.alpha}` : ''}.`,
        );
      }),
    );
  adapters
    .command('rollback')
    .description('go back to the adapter (or none) in use before')
    .action(async (_o: unknown, cmd: Command) =>
      withTuning(cmd, async (tuning) => {
        const v = await tuning.rollback();
        out(v === null ? 'Using no adapter (the model as it came).' : `Using adapter v${v}.`);
      }),
    );

  program
    .command('export-features')
    .description(
      'write embeddings to .tsv or .arrow: of a TSV dataset, a folder-per-class dataset, or the library',
    )
    .argument('[path]', 'the TSV file or dataset folder')
    .option('--from <source>', 'tsv, folder or library (default: from the path; no path: library)')
    .requiredOption('--out <file>', 'output file, .tsv or .arrow (required)')
    .option('--kind <kind>', 'text, image or both', 'image')
    .option('--adapted', 'through the adapter in use (or --adapter)')
    .option('--adapter <v>', 'with --adapted: this version instead of the one in use', parseAdapter)
    .option(
      '--template <text>',
      'folder datasets: the text for each photo, {label} replaced by its class (folder) name',
      DEFAULT_CLASS_TEMPLATE,
    )
    .action(
      async (
        path: string | undefined,
        o: {
          from?: string;
          out: string;
          kind: string;
          adapted?: boolean;
          adapter?: AdapterChoice;
          template: string;
        },
        cmd: Command,
      ) => {
        const kind = o.kind;
        if (kind !== 'text' && kind !== 'image' && kind !== 'both')
          throw new UserError(`--kind must be text, image or both, got '${kind}'`);
        const from = o.from ?? (path === undefined ? 'library' : isDirectory(path) ? 'folder' : 'tsv');
        let source: FeatureSource;
        if (from === 'library') source = { from: 'library' };
        else if (from === 'tsv' || from === 'folder') {
          if (!path) throw new UserError(`--from ${from} needs a ${from === 'tsv' ? 'file' : 'folder'}`);
          if (from === 'tsv' && isDirectory(path))
            throw new UserError(`${path} is a folder: a TSV dataset is a file (--from folder for a folder)`);
          if (from === 'folder' && !isDirectory(path)) throw new UserError(`${path} is not a folder`);
          source = { from, path };
        } else throw new UserError(`--from must be tsv, folder or library, got '${from}'`);
        // Checked before the model loads: a typo costs nothing.
        if (!/\.(tsv|arrow|feather|ipc)$/i.test(o.out))
          throw new UserError(`--out must end in .tsv or .arrow, got ${o.out}`);
        if (!isDirectory(dirname(resolve(o.out))))
          throw new UserError(`--out: the folder ${dirname(resolve(o.out))} does not exist`);
        await withTuning(cmd, async (tuning) => {
          const r = await tuning.exportFeatures({
            source,
            kind,
            out: o.out,
            template: o.template,
            ...(o.adapted ? { adapted: true } : {}),
            ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
          });
          out(
            `Wrote ${r.rows} ${r.dim}-dimensional vectors to ${r.path} (${r.format}, adapter ${r.adapter}).`,
          );
          reportSkipped(path ?? 'library', r.skipped);
        });
      },
    );
}

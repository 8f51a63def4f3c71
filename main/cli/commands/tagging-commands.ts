// `lookbook tag`, `lookbook tags list|add|confirm|reject|remove`, `lookbook vocab list|show|import|remove`,
// `lookbook classify-eval DIR`, `lookbook xmp export`.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { dataDirOf, numberIn, withCore } from '../command-helpers.js';
import { count, out as stdoutLine, printJsonDocument, printJsonLines, type Write } from '../output.js';
import { UserError } from '../../errors.js';
import { createEngineForModel } from '../../models/resolve-model.js';
import { readSettings } from '../../host/settings.js';
import { evaluateZeroShot, type ClassifyEvalReport } from '../../tagging/classify-eval.js';
import type { TaggingService } from '../../tagging/tagging-service.js';
import { TAG_STATES, type TagState } from '../../tagging/tag-store.js';
import { createVocabularyStore } from '../../tagging/vocabulary-store.js';
import type { VocabularyFormat } from '../../tagging/vocabulary.js';
import type { SidecarNaming } from '../../tagging/xmp-sidecar.js';
import { DEFAULT_SCORING, type ScoringOptions } from '../../tagging/zero-shot-scorer.js';
import { applyAdapter } from '../../adapters/adapter.js';
import { readActiveAdapter } from '../../adapters/active-adapter.js';

/** Where the commands write; tests pass their own to run commands in-process. */
export interface TaggingCliOutput {
  out: Write;
  err: Write;
}

const processOutput: TaggingCliOutput = {
  out: stdoutLine,
  err: (line) => process.stderr.write(`${line}\n`),
};

async function withTagging<T>(cmd: Command, fn: (tagging: TaggingService) => Promise<T>): Promise<T> {
  return withCore(cmd, (core) => fn(core.tagging()));
}

function progressBar(label: string) {
  if (!process.stderr.isTTY)
    return { update: (_done: number, _total: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

function parseStates(value: string | undefined): TagState[] | undefined {
  if (!value) return undefined;
  const states = value.split(',').map((s) => s.trim()) as TagState[];
  for (const s of states) {
    if (!TAG_STATES.includes(s)) throw new UserError(`unknown state '${s}': use ${TAG_STATES.join(', ')}`);
  }
  return states;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function printEval(report: ClassifyEvalReport, out: (line: string) => void): void {
  out(
    `${report.images} images in ${report.classes} classes (${report.labels} labels, vocabulary ${report.vocabulary}), model ${report.modelId}`,
  );
  out(`top-1 ${percent(report.top1)}   top-5 ${percent(report.top5)}`);
  if (report.confusedPairs.length) {
    out('most confused (actual → predicted):');
    for (const p of report.confusedPairs)
      out(`  ${p.actual} → ${p.predicted}: ${p.count}  e.g. ${p.examples.join(', ')}`);
  }
  const weakest = [...report.perClass]
    .sort((a, b) => a.top1 - b.top1)
    .slice(0, 5)
    .filter((c) => c.top1 < 1);
  if (weakest.length) {
    out('weakest classes:');
    for (const c of weakest) out(`  ${c.label}: top-1 ${percent(c.top1)} of ${c.images}`);
  }
  for (const f of report.failures) out(`could not read ${f.path}: ${f.reason}`);
}

export function registerTaggingCommands(program: Command, io: TaggingCliOutput = processOutput): void {
  const out = (line = '') => io.out(line);
  program
    .command('tag')
    .description(
      'suggest tags for the photos of a folder (or the whole library) from a vocabulary of labels; you confirm or reject them later',
    )
    .option('--folder <dir>', 'only photos under this library folder (default: the whole library)')
    .option(
      '--vocab <name>',
      'vocabulary (default: the folder\'s auto-tag vocabulary, else "everyday"; "colours" with the demo model)',
    )
    .option(
      '--top-k <n>',
      `at most this many tags per photo (default: ${DEFAULT_SCORING.topK})`,
      numberIn('--top-k', 1, 100, true),
    )
    .option(
      '--min-probability <p>',
      `how sure a tag must be, from 0 to 1: higher gives fewer, surer tags (default: ${DEFAULT_SCORING.minProbability})`,
      numberIn('--min-probability', 0, 1),
    )
    .option(
      '--margin <m>',
      `how much better a tag must fit the photo than the plain words "a photo." do; raise it for fewer tags (default: ${DEFAULT_SCORING.margin})`,
      numberIn('--margin', -2, 2),
    )
    .option('--anyway', "tag even when the model cannot tell the vocabulary's labels apart (see the warning)")
    .option('--auto', 'also tag new photos in this folder as they are indexed (needs --folder)')
    .option('--no-auto', 'stop auto-tagging this folder (needs --folder)')
    .option('--json', 'the run summary as JSON')
    .action(
      async (
        flags: {
          folder?: string;
          vocab?: string;
          topK?: number;
          minProbability?: number;
          margin?: number;
          auto?: boolean;
          anyway?: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        if (flags.auto !== undefined && !flags.folder)
          throw new UserError('--auto and --no-auto need --folder');
        await withTagging(cmd, async (tagging) => {
          // A vocabulary the model cannot score would fill the library with guesses: said before any is made.
          const vocabulary = flags.vocab ?? tagging.vocabularyFor(flags.folder);
          const warning = await tagging.vocabularyWarning(vocabulary);
          if (warning && !flags.anyway)
            throw new UserError(
              `${warning} Nothing was tagged; add --anyway to tag regardless.`,
              'vocabulary-unfit',
            );
          if (warning) io.err(`note: ${warning}`);
          if (flags.auto !== undefined) {
            await tagging.setAutoTag(
              flags.folder!,
              flags.auto ? (flags.vocab ?? tagging.defaultVocabulary()) : null,
            );
          }
          const scoring: Partial<ScoringOptions> = {
            topK: flags.topK,
            minProbability: flags.minProbability,
            margin: flags.margin,
          };
          const bar = progressBar('tagging');
          let summary;
          try {
            summary = await tagging.tagFolder(flags.folder, {
              vocabulary: flags.vocab,
              scoring,
              onProgress: (p) => bar.update(p.done, p.total),
            });
          } finally {
            bar.stop();
          }
          if (flags.json) {
            printJsonDocument(summary, out);
            return;
          }
          out(
            `${summary.tagged} of ${summary.photos} photos tagged with ${summary.vocabulary}: ${summary.suggested} suggestions` +
              (summary.removed ? `, ${summary.removed} old suggestions replaced` : '') +
              (summary.skippedReviewed ? `, ${summary.skippedReviewed} already reviewed left alone` : ''),
          );
          if (summary.missingVectors)
            out(
              `${summary.missingVectors} photos are not indexed with this model yet: run \`lookbook index\`.`,
            );
          if (summary.suggested > 0 || summary.removed > 0)
            out("To take this run's suggestions back: `lookbook tags undo`.");
          if (flags.auto === true)
            out(`New photos in ${resolve(flags.folder!)} will be tagged as they are indexed.`);
          if (flags.auto === false) out(`Auto-tagging of ${resolve(flags.folder!)} is off.`);
        });
      },
    );

  const tags = program.command('tags').description('review tags: list, add, confirm, reject, remove');
  tags
    .command('list [photo]')
    .description("a photo's tags, or tag counts for a folder or the library")
    .option('--folder <dir>', 'counts for this folder only')
    .option('--state <states>', 'comma-separated: suggested, confirmed, rejected')
    .option('--json', 'as JSON')
    .action(
      async (
        photo: string | undefined,
        flags: { folder?: string; state?: string; json?: boolean },
        cmd: Command,
      ) => {
        const states = parseStates(flags.state);
        await withTagging(cmd, async (tagging) => {
          if (photo) {
            const result = await tagging.photoTags(photo, states);
            if (flags.json) return printJsonDocument(result, out);
            if (result.tags.length === 0)
              return out(`${result.path}: no tags (\`lookbook tag\` suggests some)`);
            out(result.path);
            for (const t of result.tags) {
              const score = t.score === null ? '' : `  ${t.score.toFixed(3)}`;
              out(`  ${t.label}  ${t.state} (${t.source})${score}`);
            }
            return;
          }
          const facets = await tagging.facets(flags.folder, states);
          if (flags.json) return printJsonLines(facets, out);
          if (facets.length === 0) return out('No tags yet: `lookbook tag` suggests some.');
          for (const f of facets)
            out(
              `${String(f.count).padStart(6)}  ${f.label}  (${f.confirmed} confirmed, ${f.suggested} suggested)`,
            );
        });
      },
    );
  /** The per-photo form: `tags add|confirm|reject|remove PHOTO TAG…`. */
  async function reviewPhoto(
    tagging: TaggingService,
    name: 'add' | 'confirm' | 'reject' | 'remove',
    photo: string,
    labels: string[],
    json: boolean | undefined,
  ): Promise<void> {
    const op = {
      add: tagging.addTags,
      confirm: tagging.confirmTags,
      reject: tagging.rejectTags,
      remove: tagging.removeTags,
    }[name];
    const before = new Set((await tagging.photoTags(photo)).tags.map((t) => t.label));
    const changed = await op([photo], labels);
    const after = await tagging.photoTags(photo);
    if (json) return printJsonDocument(after, out);
    out(`${count(changed, 'tag')} changed on ${after.path}`);
    // Confirming says a tag applies; one that was never suggested is added, which a typo would
    // do silently.
    const added = after.tags.filter((t) => !before.has(t.label)).map((t) => t.label);
    if (name === 'confirm' && added.length > 0)
      io.err(`note: not suggested before, added as confirmed: ${added.join(', ')}`);
  }

  const perPhoto = (name: 'add' | 'remove', description: string) =>
    tags
      .command(`${name} <photo> <tags...>`)
      .description(description)
      .option('--json', "the photo's tags afterwards, as JSON")
      .action(async (photo: string, labels: string[], flags: { json?: boolean }, cmd: Command) => {
        await withTagging(cmd, (tagging) => reviewPhoto(tagging, name, photo, labels, flags.json));
      });
  perPhoto('add', 'add tags by hand (confirmed)');

  // `tags confirm|reject` take two forms: the per-photo one (PHOTO TAG…, as `add`), and the bulk one
  // (TAG with --folder DIR, --all or PHOTO…), which reviews suggestions only: a tag a person already
  // confirmed or rejected is never overturned, and a tag never suggested is not added.
  const review = (name: 'confirm' | 'reject', description: string) =>
    tags
      .command(`${name} <args...>`)
      .usage(
        `TAG (--folder DIR | --album NAME | --all | PHOTO...) [--min-prob P]   or   ${name} PHOTO TAG...`,
      )
      .description(description)
      .option('--folder <dir>', 'the suggestions of every photo in this library folder')
      .option('--album <name>', 'the suggestions of every photo in this album (its name or id)')
      .option('--all', 'the suggestions of every photo in the library')
      .option(
        '--min-prob <p>',
        'only suggestions whose confidence is at least this (0..1)',
        numberIn('--min-prob', 0, 1),
      )
      .option('--json', 'what changed, as JSON')
      .action(
        async (
          args: string[],
          flags: { folder?: string; album?: string; all?: boolean; minProb?: number; json?: boolean },
          cmd: Command,
        ) => {
          await withCore(cmd, async (core) => {
            const tagging = core.tagging();
            const bulk =
              flags.folder !== undefined ||
              flags.album !== undefined ||
              flags.all ||
              flags.minProb !== undefined;
            // PHOTO TAG…: the first argument is a library photo, or a file (which says it is not one).
            if (!bulk && args.length >= 2) {
              const first = await tagging.resolvePhotos([args[0]!]);
              if (first.contentIds.length === 1 || isFile(args[0]!))
                return reviewPhoto(tagging, name, args[0]!, args.slice(1), flags.json);
            }
            const [label, ...photos] = args;
            const album = flags.album === undefined ? undefined : await core.albums().contentIds(flags.album);
            const contentIds = await selection(tagging, label!, photos, { ...flags, album }, name);
            const state = name === 'confirm' ? 'confirmed' : 'rejected';
            const result = await tagging.reviewMany(contentIds, state, {
              label,
              ...(flags.minProb === undefined ? {} : { minScore: flags.minProb }),
            });
            if (flags.json)
              return printJsonDocument({ tag: label, state, photos: contentIds.length, ...result }, out);
            const verb = name === 'confirm' ? 'Confirmed' : 'Rejected';
            out(`${verb} “${label}” on ${count(result.changed, 'photo')}.`);
            if (result.skipped > 0) {
              const why =
                flags.minProb === undefined
                  ? 'not suggested, or already reviewed'
                  : `not suggested, already reviewed, or less than ${flags.minProb} confident`;
              out(`${count(result.skipped, 'photo')} left alone (${why}).`);
            }
          });
        },
      );
  review(
    'confirm',
    'confirm suggested tags: on one photo, or in bulk on a folder, an album, the library or photos',
  );
  review('reject', 'reject tags (never suggested again): on one photo, or in bulk like confirm');
  perPhoto('remove', 'forget tags (auto-tagging may suggest them again; reject to prevent that)');

  /**
   * The photos a bulk review acts on, as content ids: a folder, an album (its content ids, looked up by
   * the caller), the library, or named photos (every one must be in the library: nothing is changed when
   * one is not, so a typo costs nothing).
   */
  async function selection(
    tagging: TaggingService,
    label: string,
    photos: string[],
    flags: { folder?: string; album?: Set<string>; all?: boolean },
    name: 'confirm' | 'reject',
  ): Promise<string[]> {
    if (flags.folder === undefined && isDirectory(label))
      throw new UserError(
        `${label} is a folder: to ${name} a tag on its photos, run \`lookbook tags ${name} TAG --folder ${label}\``,
      );
    const chosen = [
      flags.folder !== undefined,
      flags.album !== undefined,
      Boolean(flags.all),
      photos.length > 0,
    ].filter(Boolean);
    if (chosen.length !== 1) {
      throw new UserError(
        `say which photos: \`lookbook tags ${name} ${label} --folder DIR\`, \`--album NAME\`, \`--all\`, or photos after the tag (one of them)`,
      );
    }
    if (flags.album !== undefined) {
      if (flags.album.size === 0) throw new UserError('that album has no photos; nothing was changed');
      return [...flags.album];
    }
    if (flags.folder !== undefined) {
      const ids = await tagging.photosIn(flags.folder);
      if (ids.length === 0)
        throw new UserError(`no indexed photos under ${resolve(flags.folder)} (is it a library folder?)`);
      return ids;
    }
    if (flags.all) return tagging.photosIn();
    const { contentIds, failures } = await tagging.resolvePhotos(photos);
    if (failures.length > 0)
      throw new UserError(
        `${failures.map((f) => f.path).join(', ')}: not ${failures.length === 1 ? 'a photo' : 'photos'} in the library ` +
          `(the tag comes first: \`lookbook tags ${name} TAG PHOTO...\`); nothing was changed`,
      );
    return contentIds;
  }

  tags
    .command('undo')
    .description(
      'undo the latest tagging run (`lookbook tag` or Auto-tag in the app): its suggestions are removed; confirmed, rejected and hand-added tags stay',
    )
    .option('--json', 'what was undone, as JSON')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      await withTagging(cmd, async (tagging) => {
        const undone = await tagging.undoRun();
        if (flags.json) return printJsonDocument(undone, out);
        out(
          `Undid the tagging run of ${undone.startedAt.slice(0, 19).replace('T', ' ')} with ${undone.vocabulary}: ` +
            `${count(undone.removed, 'suggestion')} removed` +
            (undone.restored ? `, ${count(undone.restored, 'earlier suggestion')} back` : '') +
            '.',
        );
      });
    });

  const vocab = program.command('vocab').description('tagging vocabularies: list, show, import, remove');
  vocab
    .command('list')
    .description('the vocabularies (lists of labels) that tagging can use')
    .option('--json', 'one JSON object per vocabulary and line')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const list = await createVocabularyStore(dataDirOf(cmd)).list();
      if (flags.json) return printJsonLines(list, out);
      for (const v of list)
        out(
          `${v.name}  ${v.labelCount} labels${v.builtin ? ', built in' : ''}${v.description ? `  ${v.description}` : ''}`,
        );
    });
  vocab
    .command('show <name>')
    .description("a vocabulary's labels, with their other names and own prompts")
    .option('--json', 'as JSON (the format `vocab import` reads)')
    .action(async (name: string, flags: { json?: boolean }, cmd: Command) => {
      const v = await createVocabularyStore(dataDirOf(cmd)).get(name);
      if (flags.json) return printJsonDocument(v, out);
      if (v.description) out(`# ${v.description}`);
      for (const l of v.labels) {
        out(
          [l.label, ...(l.synonyms ?? [])].join(' | ') +
            (l.prompts?.length ? `   prompts: ${l.prompts.join(' | ')}` : ''),
        );
      }
    });
  vocab
    .command('import <file>')
    .description(
      'import a vocabulary: .txt (one label per line, "label | synonym"), .csv (label,synonyms,prompt) or .json',
    )
    .option('--name <name>', 'vocabulary name (default: the file name)')
    .option('--format <format>', 'txt, csv or json (default: from the extension)')
    .option('--replace', 'replace a vocabulary of the same name')
    .option('--json', 'the imported vocabulary as JSON')
    .action(
      async (
        file: string,
        flags: { name?: string; format?: string; replace?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (flags.format && !['txt', 'csv', 'json'].includes(flags.format))
          throw new UserError('--format must be txt, csv or json');
        const result = await createVocabularyStore(dataDirOf(cmd)).importFile(resolve(file), {
          name: flags.name,
          format: flags.format as VocabularyFormat | undefined,
          replace: flags.replace,
        });
        if (flags.json) return printJsonDocument(result, out);
        for (const w of result.warnings) io.err(`note: ${w}`);
        out(
          `${result.replaced ? 'Replaced' : 'Imported'} vocabulary ${result.vocabulary.name}: ${result.vocabulary.labels.length} labels.`,
        );
      },
    );
  vocab
    .command('remove <name>')
    .description('delete a vocabulary you imported (the tags it made stay)')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await createVocabularyStore(dataDirOf(cmd)).remove(name);
      out(`Removed vocabulary ${name}.`);
    });

  program
    .command('classify-eval <dir>')
    .description(
      'zero-shot accuracy on a folder whose sub-folders are class names (top-1, top-5, confusions)',
    )
    .option(
      '--vocab <name>',
      'score against this vocabulary (it must contain every class); default: the class names',
    )
    .option('--model <model>', 'model id or folder (default: the active model)')
    .option('--adapter', "apply the model's active fine-tuned adapter")
    .option('--json', 'the full report as JSON')
    .action(
      async (
        dir: string,
        flags: { vocab?: string; model?: string; adapter?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const dataDir = dataDirOf(cmd);
        const vocabulary = flags.vocab ? await createVocabularyStore(dataDir).get(flags.vocab) : undefined;
        const engine = await createEngineForModel(
          flags.model ?? readSettings(dataDir).activeModel ?? 'demo',
          {
            dataDir,
          },
        );
        try {
          if (engine.model.isDemo && !flags.json) io.err('note: the demo model only knows colours');
          let transforms = {};
          if (flags.adapter) {
            const active = await readActiveAdapter(dataDir, engine.model.id);
            if (!active) throw new UserError(`no active adapter for ${engine.model.id}`);
            const a = active.adapter;
            transforms = {
              transform: {
                version: active.version,
                apply: a.text ? (v: Float32Array) => applyAdapter(a, [v], 'text')[0]! : undefined,
              },
              imageTransform: a.image ? (vs: Float32Array[]) => applyAdapter(a, vs, 'image') : undefined,
            };
          }
          const bar = progressBar('classifying');
          let report: ClassifyEvalReport;
          try {
            report = await evaluateZeroShot(engine, resolve(dir), {
              vocabulary,
              ...transforms,
              onProgress: (p) => bar.update(p.done, p.total),
            });
          } finally {
            bar.stop();
          }
          if (flags.json) printJsonDocument(report, out);
          else printEval(report, out);
        } finally {
          await engine.close();
        }
      },
    );

  const xmp = program
    .command('xmp')
    .description('write tags into XMP sidecar files, which Lightroom, darktable and digiKam read');
  xmp
    .command('export')
    .description(
      'write confirmed tags as keywords (dc:subject) into XMP sidecars, merging with what is there; photos are never modified',
    )
    .option('--folder <dir>', 'only photos under this folder')
    .option('--include-suggested', 'also write suggested tags')
    .option(
      '--naming <style>',
      'darktable: photo.jpg.xmp (default; also digiKam); lightroom: photo.xmp',
      'darktable',
    )
    .option('--dry-run', 'say what would be written, write nothing')
    .option('--json', 'the summary as JSON')
    .action(
      async (
        flags: {
          folder?: string;
          includeSuggested?: boolean;
          naming: string;
          dryRun?: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        if (flags.naming !== 'darktable' && flags.naming !== 'lightroom') {
          throw new UserError("--naming must be 'darktable' (photo.jpg.xmp) or 'lightroom' (photo.xmp)");
        }
        await withTagging(cmd, async (tagging) => {
          const summary = await tagging.exportXmp({
            folder: flags.folder,
            includeSuggested: flags.includeSuggested,
            naming: flags.naming as SidecarNaming,
            dryRun: flags.dryRun,
          });
          if (flags.json) return printJsonDocument(summary, out);
          const verb = flags.dryRun ? 'would be ' : '';
          out(
            `${summary.created} sidecars ${verb}created, ${summary.updated} ${verb}updated, ${summary.unchanged} unchanged, ${summary.failed} failed.`,
          );
          for (const f of summary.files) if (f.status === 'failed') out(`  ${f.reason}`);
        });
      },
    );
}

// `lookbook embed | tokenize | preprocess`: the CLIP engine from the command line, for scripting and
// for checking a model against another implementation.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { logWarning } from '../../log.js';
import { readModelFolder } from '../../engine/model-folder.js';
import { preprocessImage } from '../../engine/preprocess.js';
import { loadClipTokenizer } from '../../engine/tokenizer.js';
import { DEVICE_REQUESTS, isDeviceRequest, type DeviceRequest } from '../../engine/device.js';
import { createEngineForModel, resolveModelDir } from '../../models/resolve-model.js';
import { resolveDataDir } from '../../host/data-dir.js';
import { readSettings } from '../../host/settings.js';
import { printJsonDocument, printJsonLines } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseDevice(value: string): DeviceRequest {
  if (!isDeviceRequest(value)) {
    throw new UserError(
      `unknown device ${value} (choose one of ${DEVICE_REQUESTS.join(', ')})`,
      'bad-argument',
    );
  }
  return value;
}

function dataDirOf(cmd: Command): string | undefined {
  return cmd.optsWithGlobals<{ dataDir?: string }>().dataDir;
}

/** --model, else the library's active model (`lookbook models use`), else the demo model. */
function modelOf(model: string | undefined, cmd: Command): string {
  return model ?? readSettings(resolveDataDir(dataDirOf(cmd))).activeModel ?? 'demo';
}

async function openFolder(model: string | undefined, cmd: Command) {
  const resolved = await resolveModelDir(modelOf(model, cmd), dataDirOf(cmd));
  return readModelFolder(resolved.dir, resolved.id);
}

export function registerEngineCommands(program: Command): void {
  program
    .command('embed')
    .description('print L2-normalized CLIP embeddings, one JSON line per --text and --image')
    .option(
      '--model <folder|id>',
      'a model folder, an installed model id, or demo (default: the active model)',
    )
    .option('--text <text>', 'a text to embed (repeatable)', collect, [])
    .option('--image <path>', 'an image file to embed (repeatable)', collect, [])
    .option('--device <device>', `where to run: ${DEVICE_REQUESTS.join(', ')}`, 'auto')
    .action(
      async (opts: { model?: string; text: string[]; image: string[]; device: string }, cmd: Command) => {
        const device = parseDevice(opts.device);
        if (opts.text.length === 0 && opts.image.length === 0) {
          throw new UserError('nothing to embed: give at least one --text or --image', 'bad-argument');
        }
        const dataDir = dataDirOf(cmd);
        const engine = await createEngineForModel(modelOf(opts.model, cmd), {
          device,
          ...(dataDir ? { dataDir } : {}),
        });
        try {
          if (engine.device.fallbackReason) logWarning(engine.device.fallbackReason);
          if (engine.model.isDemo) {
            logWarning(
              'using the demo model, which only knows colours; install a real model with `lookbook models pull`',
            );
          }
          // Every image is decoded before anything is printed, so a bad file fails the command cleanly.
          const tensors = await Promise.all(opts.image.map((p) => engine.preprocess(p)));
          const texts = await engine.embedTexts(opts.text);
          printJsonLines(
            texts.map((e, i) => ({ kind: 'text', input: opts.text[i], embedding: Array.from(e) })),
          );
          const images = await engine.embedImageTensors(tensors);
          printJsonLines(
            images.map((e, i) => ({ kind: 'image', input: opts.image[i], embedding: Array.from(e) })),
          );
        } finally {
          await engine.close();
        }
      },
    );

  program
    .command('tokenize')
    .description("print the token ids the model's text tower receives, before padding")
    .argument('<text>', 'the text to tokenize')
    .option(
      '--model <folder|id>',
      'a model folder, an installed model id, or demo (default: the active model)',
    )
    .action(async (text: string, opts: { model?: string }, cmd: Command) => {
      const folder = await openFolder(opts.model, cmd);
      const tokenizer = await loadClipTokenizer(folder.tokenizerPath, {
        contextLength: folder.info.contextLength,
        padId: folder.padId,
      });
      printJsonDocument({ ids: tokenizer.encode(text) });
    });

  program
    .command('preprocess')
    .description("write an image as the model's input tensor: float32 little-endian, shape 1×3×size×size")
    .argument('<image>', 'the image file')
    .requiredOption('--out <file>', 'where to write the tensor')
    .option(
      '--model <folder|id>',
      'a model folder, an installed model id, or demo (default: the active model)',
    )
    .action(async (image: string, opts: { model?: string; out: string }, cmd: Command) => {
      const folder = await openFolder(opts.model, cmd);
      const tensor = await preprocessImage(image, folder.info.preprocess);
      const bytes = Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength);
      // Float32Array is platform-endian; every platform Lookbook ships on is little-endian, which the format requires.
      try {
        await writeFile(opts.out, bytes);
      } catch (e) {
        throw new UserError(`cannot write ${opts.out}: ${(e as Error).message}`, 'write-failed', {
          cause: e,
        });
      }
      const { size } = folder.info.preprocess;
      printJsonDocument({ out: opts.out, shape: [1, 3, size, size] });
    });
}

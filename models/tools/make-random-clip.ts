// CLI: writes a random-weight CLIP model (real layer sizes, HF layout) for benchmarks and tests.
//   node --import tsx models/tools/make-random-clip.ts --preset vit-b-32 --out bench/out/models/vit-b-32
// Never write the output into git: the ViT-B/32 preset is about 600 MB.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { CLIP_PRESETS, clipParamCounts, makeRandomClip, visionMacsPerImage } from './random-clip.js';
import type { ClipPresetName } from './random-clip.js';

export { makeRandomClip } from './random-clip.js';

const USAGE = `usage: make-random-clip --preset <${Object.keys(CLIP_PRESETS).join('|')}> --out <dir> [--seed <text>] [--dry-run]`;

async function main(argv: string[]): Promise<number> {
  let values: { preset?: string; out?: string; seed?: string; 'dry-run'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        preset: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const presetName = values.preset ?? '';
  if (!(presetName in CLIP_PRESETS)) {
    console.error(`unknown or missing --preset '${presetName}'\n${USAGE}`);
    return 2;
  }
  const preset = CLIP_PRESETS[presetName as ClipPresetName];
  const macs = visionMacsPerImage(preset);
  const gflops = (2 * macs) / 1e9;
  if (values['dry-run']) {
    const counts = clipParamCounts(preset);
    console.log(
      `${preset.name}: vision ${counts.vision.toLocaleString('en')} parameters, text ` +
        `${counts.text.toLocaleString('en')}; vision ${(macs / 1e9).toFixed(2)} GMACs = ${gflops.toFixed(2)} GFLOPs/image`,
    );
    return 0;
  }
  if (!values.out) {
    console.error(`missing --out\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const result = await makeRandomClip({
    preset: presetName as ClipPresetName,
    out: values.out,
    ...(values.seed ? { seed: values.seed } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${result.dir} in ${seconds.toFixed(1)} s: ${(result.bytes / 1e6).toFixed(1)} MB, vision ` +
      `${result.visionParams.toLocaleString('en')} parameters, text ${result.textParams.toLocaleString('en')}; ` +
      `vision ${(macs / 1e9).toFixed(2)} GMACs = ${gflops.toFixed(2)} GFLOPs/image`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}

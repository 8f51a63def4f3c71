// What `lookbook --help` and each command's help say: everyday commands apart from developer ones,
// a description for every command, plain words (what a setting does, not its name in a paper), the
// defaults of `tag`, `--out` marked required, one placeholder spelling, and what `serve` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram, DEVELOPER_COMMANDS, DEVELOPER_HEADING, EVERYDAY_HEADING } from '../../main/cli/cli.js';
import { DEFAULT_SCORING } from '../../main/tagging/zero-shot-scorer.js';

function walk(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  return command.commands.flatMap((c) => {
    const here = [...path, c.name()];
    return [{ path: here.join(' '), command: c }, ...walk(c, here)];
  });
}

const program = buildProgram();
const all = walk(program);
/** A command's help, its lines joined (the wrapping depends on the terminal's width). */
const help = (path: string) => {
  const found = all.find((c) => c.path === path);
  assert.ok(found, `no command ${path}`);
  return found.command.helpInformation().replace(/\s+/g, ' ');
};

test('every command and subcommand has a description', () => {
  assert.ok(all.length > 40, `the whole tree is walked (${all.length} commands)`);
  const missing = all.filter((c) => !c.command.description().trim()).map((c) => c.path);
  assert.deepEqual(missing, []);
});

test('--help lists the developer commands in their own group, after the everyday ones', () => {
  const text = program.helpInformation();
  const everyday = text.indexOf(EVERYDAY_HEADING);
  const developer = text.indexOf(DEVELOPER_HEADING);
  assert.ok(everyday >= 0 && developer > everyday, text);
  const line = (name: string) => text.search(new RegExp(`^  ${name} `, 'm'));
  for (const name of DEVELOPER_COMMANDS) assert.ok(line(name) > developer, `${name} is a developer command`);
  for (const name of ['embed', 'tokenize', 'preprocess']) assert.ok(DEVELOPER_COMMANDS.includes(name));
  for (const name of ['search', 'index', 'tag', 'serve', 'folders', 'models', 'tune']) {
    const at = line(name);
    assert.ok(at > everyday && at < developer, `${name} is an everyday command`);
  }
});

test("everyday commands' help is in plain words", () => {
  const jargon = /softmax|logit|wise-ft|infonce|temperature|zero-shot|\bL2\b/i;
  const everyday = all.filter((c) => !DEVELOPER_COMMANDS.includes(c.path.split(' ')[0]!));
  const offending = everyday
    .map((c) => ({ path: c.path, hit: jargon.exec(c.command.helpInformation())?.[0] }))
    .filter((c) => c.hit);
  assert.deepEqual(offending, []);
  assert.match(help('tune'), /--alpha .*how much of what was learned to use/s);
});

test('tag shows its defaults; export-features says --out is required', () => {
  const tag = help('tag');
  assert.match(tag, new RegExp(`--top-k[^]*\\(default: ${DEFAULT_SCORING.topK}\\)`));
  assert.match(tag, new RegExp(`--min-probability[^]*\\(default: ${DEFAULT_SCORING.minProbability}\\)`));
  assert.match(tag, new RegExp(`--margin[^]*\\(default: ${DEFAULT_SCORING.margin}\\)`));
  assert.match(tag, /--vocab[^]*\(default: /);
  assert.match(help('export-features'), /--out <file>\s+output file, \.tsv or \.arrow \(required\)/);
});

test('placeholders are written one way: {label}', () => {
  const texts = all.map((c) => c.command.helpInformation()).join('\n');
  assert.doesNotMatch(texts, /\{\}|\{class\}|\{tag\}/);
  for (const path of ['pairs import', 'pairs from-tags', 'export-features'])
    assert.match(help(path), /\{label\}/, path);
});

test('serve says it prints a link, and has --open', () => {
  const serve = help('serve');
  assert.match(serve, /prints a link/);
  assert.match(serve, /--open\s+also open the link in your default browser/);
});

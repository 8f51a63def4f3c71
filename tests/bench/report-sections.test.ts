// BENCHMARKS.md is rewritten whole by `npm run bench`; the Photos view's section, written by
// bench/photos-view.ts alone, and the big library's, written by its own phase, must survive that rewrite
// (once, not duplicated).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withPeersSection } from '../../bench/peers/run-peers.js';
import {
  BIG_LIBRARY_SECTION_END,
  BIG_LIBRARY_SECTION_START,
  PEERS_SECTION_END,
  PEERS_SECTION_START,
  PHOTOS_VIEW_SECTION_END,
  PHOTOS_VIEW_SECTION_START,
  keepOwnSections,
} from '../../bench/report.js';
import { replaceBigLibrarySection } from '../../bench/big-library.js';

const section = `${PHOTOS_VIEW_SECTION_START}\n## Photos view\n\n| scroll frame p50 | 17 ms |\n${PHOTOS_VIEW_SECTION_END}`;

describe('BENCHMARKS.md rewrites', () => {
  it('keep the Photos view section of the previous file, once', () => {
    const previous = `# Benchmarks\n\nold figures\n\n${section}\n`;
    const once = keepOwnSections(previous, '# Benchmarks\n\nnew figures\n');
    assert.equal(once, `# Benchmarks\n\nnew figures\n\n${section}\n`);
    const twice = keepOwnSections(once, '# Benchmarks\n\nnewer figures\n');
    assert.equal(twice.split(PHOTOS_VIEW_SECTION_START).length, 2);
    assert.match(twice, /newer figures/);
  });

  it('keep the big library section too, and replace it when that phase runs again', () => {
    const big = (n: number) =>
      `${BIG_LIBRARY_SECTION_START}\n## Big library, ${n} photos\n${BIG_LIBRARY_SECTION_END}`;
    const previous = `# Benchmarks\n\nold\n\n${section}\n\n${big(1)}\n`;
    const kept = keepOwnSections(previous, '# Benchmarks\n\nnew\n');
    assert.equal(kept, `# Benchmarks\n\nnew\n\n${section}\n\n${big(1)}\n`);
    const replaced = replaceBigLibrarySection(kept, big(2));
    assert.equal(replaced, `# Benchmarks\n\nnew\n\n${section}\n\n${big(2)}\n`);
    assert.equal(replaceBigLibrarySection('# Benchmarks\n', big(3)), `# Benchmarks\n\n${big(3)}\n`);
  });

  it('leave a report alone when the previous file had no such section', () => {
    assert.equal(keepOwnSections('', '# Benchmarks\n'), '# Benchmarks\n');
    assert.equal(keepOwnSections('# Benchmarks\nold\n', '# Benchmarks\nnew\n'), '# Benchmarks\nnew\n');
  });

  it('keep the peers section too, and a peers run replaces only its own section', () => {
    const peers = (x: string) => `${PEERS_SECTION_START}\n## Peers\n\n${x}\n${PEERS_SECTION_END}`;
    const previous = `# Benchmarks\n\nold\n\n${section}\n\n${peers('1.04×')}\n`;
    const rewritten = keepOwnSections(previous, '# Benchmarks\n\nnew\n');
    assert.equal(rewritten, `# Benchmarks\n\nnew\n\n${section}\n\n${peers('1.04×')}\n`);
    const rerun = withPeersSection(rewritten, peers('1.10×'));
    assert.equal(rerun, `# Benchmarks\n\nnew\n\n${section}\n\n${peers('1.10×')}\n`);
    assert.equal(withPeersSection('# Benchmarks\n', peers('x')), `# Benchmarks\n\n${peers('x')}\n`);
  });
});

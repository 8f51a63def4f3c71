import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { exportXmpSidecars } from '../../main/tagging/xmp-export.js';
import {
  DC_NS,
  RDF_NS,
  mergeXmpKeywords,
  readXmpKeywords,
  sidecarPath,
} from '../../main/tagging/xmp-sidecar.js';
import { tempDir, writeColourPhoto } from './colour-photos.js';

const DARKTABLE_SIDECAR = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmp:Rating="3"
    darktable:xmp_version="5"
    darktable:auto_presets_applied="1">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1"/>
    </rdf:Seq>
   </darktable:history>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>places|Paris</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

/** Parses strictly (any XML error throws) and returns the dc:subject items, checking they sit in an rdf:Bag. */
function strictKeywords(xml: string): string[] {
  const doc = new DOMParser({
    onError: (level, msg) => {
      throw new Error(`${level}: ${msg}`);
    },
  }).parseFromString(xml, 'text/xml');
  const subjects = Array.from(doc.getElementsByTagNameNS(DC_NS, 'subject'));
  assert.equal(subjects.length, 1, 'one dc:subject');
  const bags = Array.from(subjects[0]!.getElementsByTagNameNS(RDF_NS, 'Bag'));
  assert.equal(bags.length, 1, 'dc:subject holds an rdf:Bag');
  return Array.from(bags[0]!.getElementsByTagNameNS(RDF_NS, 'li')).map((li) => li.textContent ?? '');
}

test('sidecar names: darktable/digiKam style by default, Lightroom style on request', () => {
  assert.equal(sidecarPath('/p/IMG_1.JPG'), '/p/IMG_1.JPG.xmp');
  assert.equal(sidecarPath('/p/IMG_1.JPG', 'lightroom'), '/p/IMG_1.xmp');
  assert.equal(sidecarPath('/p/a.b.cr2', 'lightroom'), '/p/a.b.xmp');
});

test('a new sidecar is a valid XMP packet with the keywords in dc:subject', () => {
  const { xml, added } = mergeXmpKeywords(undefined, [
    'beach',
    'Dog & cat <3>',
    'beach',
    'BEACH',
    '',
    'bell\u0007',
  ]);
  assert.deepEqual(added, ['beach', 'Dog & cat <3>', 'bell']);
  assert.deepEqual(strictKeywords(xml), ['beach', 'Dog & cat <3>', 'bell']);
  assert.match(xml, /^<\?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"\?>/);
  assert.match(xml, /<\?xpacket end="w"\?>\n$/);
});

test("merging keeps a darktable sidecar's other content and adds dc:subject", () => {
  const { xml, added } = mergeXmpKeywords(DARKTABLE_SIDECAR, ['red', 'Paris']);
  assert.deepEqual(added, ['red', 'Paris']);
  assert.deepEqual(strictKeywords(xml), ['red', 'Paris']);
  for (const kept of [
    'xmp:Rating="3"',
    'darktable:xmp_version="5"',
    'darktable:operation="exposure"',
    '<rdf:li>places|Paris</rdf:li>',
    'x:xmptk="XMP Core 4.4.0-Exiv2"',
  ]) {
    assert.ok(xml.includes(kept), `lost ${kept}`);
  }
  // Merging the same keywords again changes nothing, byte for byte.
  assert.equal(mergeXmpKeywords(xml, ['RED', 'paris']).xml, xml);
});

test('existing keywords are kept, whatever prefix, container or layout the writer used', () => {
  const otherPrefix =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<r:Description r:about="" xmlns:d="http://purl.org/dc/elements/1.1/"><d:subject><r:Seq><r:li>Holiday</r:li></r:Seq></d:subject>' +
    '</r:Description></r:RDF></x:xmpmeta>';
  const merged = mergeXmpKeywords(otherPrefix, ['holiday', 'sea']);
  assert.deepEqual(merged.added, ['sea']);
  assert.deepEqual(readXmpKeywords(merged.xml), ['Holiday', 'sea']);
  assert.match(merged.xml, /<r:li>sea<\/r:li>/);

  // A bare-text dc:subject becomes a proper bag holding the old keyword.
  const bare =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject>old</dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>';
  assert.deepEqual(strictKeywords(mergeXmpKeywords(bare, ['new']).xml), ['old', 'new']);

  // No rdf:Description at all: one is created.
  const empty =
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>';
  assert.deepEqual(strictKeywords(mergeXmpKeywords(empty, ['k']).xml), ['k']);
});

test('a sidecar that is not XMP is refused, not overwritten', () => {
  assert.throws(() => mergeXmpKeywords('<x:xmpmeta', ['a']), /not well-formed XML/);
  assert.throws(() => mergeXmpKeywords('<foo/>', ['a']), /no rdf:RDF element/);
});

test('export writes and merges sidecars, reports broken ones, and never modifies the photos', async () => {
  const tmp = await tempDir('xmp');
  try {
    const a = await writeColourPhoto(join(tmp.path, 'a.jpg'), 'red', { seed: 1 });
    const b = await writeColourPhoto(join(tmp.path, 'b.png'), 'blue', { seed: 2, format: 'png' });
    const c = await writeColourPhoto(join(tmp.path, 'c.jpg'), 'green', { seed: 3 });
    const raw = await writeColourPhoto(join(tmp.path, 'a.tif'), 'red', { seed: 4 });
    await writeFile(`${b}.xmp`, DARKTABLE_SIDECAR);
    await writeFile(`${c}.xmp`, 'garbage <<<');
    const hash = async (p: string) =>
      createHash('sha256')
        .update(await readFile(p))
        .digest('hex');
    const before = await Promise.all([a, b, c, raw].map(hash));

    const summary = await exportXmpSidecars([
      { photoPath: a, keywords: ['red', 'beach'] },
      { photoPath: b, keywords: ['blue'] },
      { photoPath: c, keywords: ['green'] },
      { photoPath: raw, keywords: [] },
    ]);
    assert.deepEqual([summary.created, summary.updated, summary.failed, summary.unchanged], [1, 1, 1, 1]);
    assert.deepEqual(strictKeywords(await readFile(`${a}.xmp`, 'utf8')), ['red', 'beach']);
    const bXmp = await readFile(`${b}.xmp`, 'utf8');
    assert.deepEqual(strictKeywords(bXmp), ['blue']);
    assert.ok(bXmp.includes('darktable:operation="exposure"'));
    const failed = summary.files.find((f) => f.status === 'failed')!;
    assert.equal(failed.photoPath, c);
    assert.match(failed.reason!, /not well-formed XML/);
    assert.equal(await readFile(`${c}.xmp`, 'utf8'), 'garbage <<<', 'a broken sidecar is left as it was');

    // Lightroom naming: a.jpg and a.tif share a.xmp, which ends up with both photos' keywords.
    const lr = await exportXmpSidecars(
      [
        { photoPath: a, keywords: ['red'] },
        { photoPath: raw, keywords: ['raw file'] },
      ],
      { naming: 'lightroom' },
    );
    assert.deepEqual([lr.created, lr.updated], [1, 1]);
    assert.deepEqual(strictKeywords(await readFile(join(tmp.path, 'a.xmp'), 'utf8')), ['red', 'raw file']);

    // Dry run: reports, writes nothing.
    const dry = await exportXmpSidecars([{ photoPath: a, keywords: ['new one'] }], { dryRun: true });
    assert.equal(dry.updated, 1);
    assert.deepEqual(strictKeywords(await readFile(`${a}.xmp`, 'utf8')), ['red', 'beach']);

    assert.deepEqual(
      await Promise.all([a, b, c, raw].map(hash)),
      before,
      'photos are byte-for-byte unchanged',
    );
    assert.deepEqual(
      (await readdir(tmp.path)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files left',
    );
  } finally {
    await tmp.cleanup();
  }
});

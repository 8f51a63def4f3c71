import { basename, dirname, extname, join } from 'node:path';
import { DOMParser, XMLSerializer, onErrorStopParsing } from '@xmldom/xmldom';
import type { Document, Element, Node } from '@xmldom/xmldom';
import { UserError, describeError } from '../errors.js';
import { labelKey } from './vocabulary.js';

// XMP keywords are Dublin Core `dc:subject`, an unordered rdf:Bag of rdf:li, which Lightroom, digiKam,
// darktable, exiftool and most photo managers read. We use a namespace-aware DOM (xmldom) rather than
// text edits so that any prefix, layout or writer's quirks are understood, and rather than a JSON-style
// parser so that everything else in a sidecar (other namespaces, darktable's history, comments, the
// xpacket wrapper) is written back exactly as it was.

export const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
export const DC_NS = 'http://purl.org/dc/elements/1.1/';
const X_NS = 'adobe:ns:meta/';

/**
 * Where a photo's sidecar lives.
 * - 'darktable' (default): `photo.jpg.xmp`, the full name plus `.xmp`. darktable's and digiKam's default
 *   and exiftool's usual choice; it is unambiguous when `photo.jpg` and `photo.cr2` sit side by side.
 * - 'lightroom': `photo.xmp`, the extension replaced. What Lightroom Classic writes for RAW files (for
 *   JPEG/TIFF/DNG Lightroom reads the metadata embedded in the file, never a sidecar); digiKam reads it
 *   with its "compatible with commercial programs" option.
 */
export type SidecarNaming = 'darktable' | 'lightroom';

export function sidecarPath(photoPath: string, naming: SidecarNaming = 'darktable'): string {
  if (naming === 'lightroom') {
    const ext = extname(photoPath);
    return join(dirname(photoPath), `${basename(photoPath, ext)}.xmp`);
  }
  return `${photoPath}.xmp`;
}

export class XmpParseError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'invalid-xmp', options);
    this.name = 'XmpParseError';
  }
}

// Characters XML 1.0 cannot hold at all: dropped from keywords rather than failing the export.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const EMPTY_PACKET =
  '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
  `<x:xmpmeta xmlns:x="${X_NS}" x:xmptk="Lookbook">\n` +
  ` <rdf:RDF xmlns:rdf="${RDF_NS}">\n` +
  `  <rdf:Description rdf:about="" xmlns:dc="${DC_NS}"/>\n` +
  ' </rdf:RDF>\n' +
  '</x:xmpmeta>\n' +
  '<?xpacket end="w"?>\n';

export function parseXmp(text: string): Document {
  let doc: Document;
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(
      text.replace(/^\uFEFF/, ''),
      'text/xml',
    );
  } catch (e) {
    throw new XmpParseError(`not well-formed XML: ${describeError(e).split('\n')[0]}`, { cause: e });
  }
  if (!doc.documentElement) throw new XmpParseError('no XML element found');
  return doc;
}

function elementsNS(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
}

function childElements(el: Element): Element[] {
  return Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1);
}

function findRdf(doc: Document): Element {
  const rdf = elementsNS(doc, RDF_NS, 'RDF')[0];
  if (!rdf) throw new XmpParseError('no rdf:RDF element: this is not an XMP packet');
  return rdf;
}

/** The text of every rdf:li under each dc:subject (and bare text of a malformed dc:subject). */
function subjectItems(subject: Element): { li: Element | null; text: string }[] {
  const items: { li: Element | null; text: string }[] = [];
  const container = childElements(subject).find((c) => c.namespaceURI === RDF_NS);
  if (container) {
    for (const li of childElements(container)) {
      if (li.namespaceURI === RDF_NS && li.localName === 'li')
        items.push({ li, text: (li.textContent ?? '').trim() });
    }
  } else {
    const text = (subject.textContent ?? '').trim();
    if (text) items.push({ li: null, text });
  }
  return items;
}

/** The keywords (dc:subject) of an XMP packet, in document order. */
export function readXmpKeywords(text: string): string[] {
  const doc = parseXmp(text);
  findRdf(doc);
  return elementsNS(doc, DC_NS, 'subject')
    .flatMap((s) => subjectItems(s).map((i) => i.text))
    .filter((t) => t);
}

function indentOf(node: Node): string {
  const prev = node.previousSibling;
  if (prev && prev.nodeType === 3) {
    const m = /\n([ \t]*)$/.exec(prev.nodeValue ?? '');
    if (m) return m[1]!;
  }
  return '';
}

/** Appends `child` on its own line, indented one step deeper than `parent`. */
function appendIndented(doc: Document, parent: Element, child: Element): void {
  const base = indentOf(parent);
  // Follow the indentation the file already uses for this parent's children, if any.
  const sibling = childElements(parent).at(-1);
  const inner = sibling ? indentOf(sibling) || `${base} ` : `${base} `;
  const last = parent.lastChild;
  if (last && last.nodeType === 3 && /^\s*$/.test(last.nodeValue ?? '')) {
    parent.insertBefore(doc.createTextNode(`\n${inner}`), last);
    parent.insertBefore(child, last);
  } else {
    parent.appendChild(doc.createTextNode(`\n${inner}`));
    parent.appendChild(child);
    parent.appendChild(doc.createTextNode(`\n${base}`));
  }
}

function qualified(el: Element, ns: string, fallback: string, local: string): string {
  const prefix = el.lookupPrefix(ns) ?? fallback;
  return prefix ? `${prefix}:${local}` : local;
}

export interface XmpMergeResult {
  xml: string;
  /** All keywords in the packet afterwards. */
  keywords: string[];
  /** The keywords this merge added (those already there, in any letter case, are not repeated). */
  added: string[];
}

/**
 * Adds keywords to an XMP packet's dc:subject bag, creating the packet, the rdf:Description or the bag
 * as needed, and leaving everything else in the packet as it was. Keywords already present (compared
 * case-insensitively) are kept with their spelling. Throws XmpParseError for a packet it cannot read,
 * which the caller must then leave alone.
 */
export function mergeXmpKeywords(existing: string | undefined, keywords: string[]): XmpMergeResult {
  const doc = parseXmp(existing && existing.trim() ? existing : EMPTY_PACKET);
  const rdf = findRdf(doc);
  const subjects = elementsNS(doc, DC_NS, 'subject');
  const present = subjects.flatMap((s) => subjectItems(s).map((i) => i.text)).filter((t) => t);
  const seen = new Set(present.map(labelKey));
  const added: string[] = [];
  for (const raw of keywords) {
    const k = raw.replace(XML_INVALID, '').trim();
    if (!k || seen.has(labelKey(k))) continue;
    seen.add(labelKey(k));
    added.push(k);
  }
  if (added.length === 0 && existing && existing.trim()) return { xml: existing, keywords: present, added };

  let subject = subjects[0];
  let container: Element | undefined;
  if (subject) {
    container = childElements(subject).find(
      (c) =>
        c.namespaceURI === RDF_NS &&
        (c.localName === 'Bag' || c.localName === 'Seq' || c.localName === 'Alt'),
    );
    if (!container) {
      // A bare-text dc:subject (seen from some writers): turn it into the bag it should be.
      const text = (subject.textContent ?? '').trim();
      while (subject.firstChild) subject.removeChild(subject.firstChild);
      container = doc.createElementNS(RDF_NS, qualified(subject, RDF_NS, 'rdf', 'Bag'));
      appendIndented(doc, subject, container);
      if (text) {
        const li = doc.createElementNS(RDF_NS, qualified(subject, RDF_NS, 'rdf', 'li'));
        li.appendChild(doc.createTextNode(text));
        appendIndented(doc, container, li);
      }
    }
  } else {
    let description = childElements(rdf).find(
      (c) => c.namespaceURI === RDF_NS && c.localName === 'Description',
    );
    if (!description) {
      description = doc.createElementNS(RDF_NS, qualified(rdf, RDF_NS, 'rdf', 'Description'));
      description.setAttributeNS(RDF_NS, qualified(rdf, RDF_NS, 'rdf', 'about'), '');
      appendIndented(doc, rdf, description);
    }
    let dcPrefix = description.lookupPrefix(DC_NS);
    if (!dcPrefix) {
      dcPrefix = description.lookupNamespaceURI('dc') ? 'dcterms11' : 'dc';
      description.setAttributeNS('http://www.w3.org/2000/xmlns/', `xmlns:${dcPrefix}`, DC_NS);
    }
    subject = doc.createElementNS(DC_NS, `${dcPrefix}:subject`);
    appendIndented(doc, description, subject);
    container = doc.createElementNS(RDF_NS, qualified(description, RDF_NS, 'rdf', 'Bag'));
    appendIndented(doc, subject, container);
  }
  for (const k of added) {
    const li = doc.createElementNS(RDF_NS, qualified(container, RDF_NS, 'rdf', 'li'));
    li.appendChild(doc.createTextNode(k));
    appendIndented(doc, container, li);
  }
  let xml = new XMLSerializer().serializeToString(doc);
  if (!xml.endsWith('\n')) xml += '\n';
  return { xml, keywords: [...present, ...added], added };
}

// Validates every request at the boundary (HTTP body, Electron IPC message) before the core sees it.
//
// Hand-written rather than zod: the request types are few and flat, the messages must be sentences a
// person understands (they reach the UI as is), and the mapped type below makes a missing or mistyped
// validator a compile error — each validator builds its result field by field, so it cannot return
// something the request type does not allow. No dependency, no schema DSL to learn.
import { UserError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import type {
  DuplicateStrictness,
  MethodName,
  Request,
  SearchFilters,
  SearchRequest,
  SmartQuery,
  SortOrder,
} from './types.js';
import { METHOD_NAMES } from './types.js';

type Validators = { [M in MethodName]: (input: Record<string, unknown>) => Request<M> };

const MAX_TEXT = 2_000;
const MAX_PATH = 4_096;
const MAX_LIST = 10_000;
/** The most photos one bulk action takes: a whole large library selected at once (Ctrl+A). */
export const MAX_PHOTO_IDS = 100_000;
/**
 * The largest image a search by image takes (dropped or picked, sent as base64 in 'search.query'). The
 * model sees it at 224×224, so size buys nothing, and the web server holds such a request's body about
 * four times over (body, text, parsed string, decoded bytes; main/server/request-body.ts sizes its cap
 * and its budget from this). 16 MiB still takes a phone's 48-megapixel JPEG, a HEIC or a 4K screenshot.
 */
export const MAX_SEARCH_IMAGE_BYTES = 16 * 1024 * 1024;
const MAX_IMAGE_BASE64 = Math.ceil(MAX_SEARCH_IMAGE_BYTES / 3) * 4;

function bad(message: string): never {
  throw new UserError(message, 'invalid-request');
}

function str(input: Record<string, unknown>, key: string, max = MAX_TEXT): string {
  const v = input[key];
  if (typeof v !== 'string') bad(`“${key}” must be text.`);
  if (v.trim() === '') bad(`“${key}” must not be empty.`);
  if (v.length > max) bad(`“${key}” is too long (at most ${max} characters).`);
  return v;
}

function optStr(input: Record<string, unknown>, key: string, max = MAX_TEXT): string | undefined {
  if (input[key] === undefined || input[key] === null || input[key] === '') return undefined;
  return str(input, key, max);
}

function anyStr(input: Record<string, unknown>, key: string, max = MAX_TEXT): string {
  const v = input[key];
  if (typeof v !== 'string') bad(`“${key}” must be text.`);
  if (v.length > max) bad(`“${key}” is too long (at most ${max} characters).`);
  return v;
}

function path(input: Record<string, unknown>, key: string): string {
  const v = str(input, key, MAX_PATH);
  if (v.includes('\0')) bad(`“${key}” is not a valid path.`);
  return v;
}

function optInt(input: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(`“${key}” must be a whole number from ${min} to ${max}.`);
  }
  return v;
}

function optNum(input: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    bad(`“${key}” must be a number from ${min} to ${max}.`);
  }
  return v;
}

function strList(input: Record<string, unknown>, key: string, max = MAX_LIST): string[] {
  const v = input[key];
  if (!Array.isArray(v)) bad(`“${key}” must be a list of text.`);
  if (v.length > max) bad(`“${key}” has too many entries (at most ${max}).`);
  return v.map((x, i) => {
    if (typeof x !== 'string') bad(`Entry ${i + 1} of “${key}” must be text.`);
    if (x.length > MAX_TEXT) bad(`Entry ${i + 1} of “${key}” is too long.`);
    return x;
  });
}

function optBool(input: Record<string, unknown>, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(`“${key}” must be true or false.`);
  return v;
}

function optObj(input: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) bad(`“${key}” must be an object.`);
  return v as Record<string, unknown>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function optDate(input: Record<string, unknown>, key: string): string | undefined {
  const v = optStr(input, key, 40);
  if (v === undefined) return undefined;
  if (!ISO_DATE.test(v) || Number.isNaN(Date.parse(v))) bad(`“${key}” must be a date like 2024-06-30.`);
  return v;
}

const SORTS: readonly SortOrder[] = ['relevance', 'date-desc', 'date-asc'];

function filters(input: Record<string, unknown>): SearchFilters | undefined {
  const f = optObj(input, 'filters');
  if (!f) return undefined;
  const out: SearchFilters = {};
  const folder = optStr(f, 'folder', MAX_PATH);
  if (folder !== undefined) out.folder = folder;
  const from = optDate(f, 'from');
  if (from !== undefined) out.from = from;
  const to = optDate(f, 'to');
  if (to !== undefined) out.to = to;
  if (f.tags !== undefined && f.tags !== null)
    out.tags = strList(f, 'tags', 50).filter((t) => t.trim() !== '');
  if (f.formats !== undefined && f.formats !== null) {
    out.formats = strList(f, 'formats', 50).map((x) => x.toLowerCase().replace(/^\./, ''));
  }
  const album = optStr(f, 'album', 200);
  if (album !== undefined) out.album = album;
  return out;
}

/** A smart album's query; whether it asks for anything is the album service's to say, in its words. */
function smartQuery(input: Record<string, unknown>): SmartQuery | undefined {
  const q = optObj(input, 'smart');
  if (!q) return undefined;
  const out: SmartQuery = {};
  const query = q.query === undefined || q.query === null ? undefined : anyStr(q, 'query');
  if (query !== undefined && query.trim() !== '') out.query = query;
  const similarTo = optStr(q, 'similarTo', 200);
  if (similarTo !== undefined) out.similarTo = similarTo;
  const f = filters(q);
  if (f) out.filters = f;
  return out;
}

/** An album name as typed: the album service trims it and says what is wrong with it. */
const albumName = (input: Record<string, unknown>) => anyStr(input, 'name', 1_000);
const albumId = (input: Record<string, unknown>) => str(input, 'id', 200);
const albumPhotos = (input: Record<string, unknown>) => ({
  id: albumId(input),
  photoIds: strList(input, 'photoIds'),
});

function searchRequest(input: Record<string, unknown>): SearchRequest {
  const out: SearchRequest = {};
  const query = input.query === undefined ? undefined : anyStr(input, 'query');
  if (query !== undefined && query.trim() !== '') out.query = query;
  const similarTo = optStr(input, 'similarTo', 200);
  if (similarTo !== undefined) out.similarTo = similarTo;
  if (input.similarToMany !== undefined && input.similarToMany !== null) {
    out.similarToMany = strList(input, 'similarToMany', MAX_PHOTO_IDS).filter((x) => x.trim() !== '');
    if (out.similarToMany.length === 0) bad('“similarToMany” needs at least one photo.');
  }
  if (typeof input.imageBase64 === 'string' && input.imageBase64.length > MAX_IMAGE_BASE64) {
    bad(
      `The image is too large to search with (at most ${formatBytes(MAX_SEARCH_IMAGE_BYTES)}); try a smaller copy.`,
    );
  }
  const image = optStr(input, 'imageBase64', MAX_IMAGE_BASE64);
  if (image !== undefined) {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(image)) bad('The dropped image could not be read (it is not base64).');
    out.imageBase64 = image;
  }
  const f = filters(input);
  if (f) out.filters = f;
  if (input.sort !== undefined && input.sort !== null) {
    if (!SORTS.includes(input.sort as SortOrder)) bad(`“sort” must be one of: ${SORTS.join(', ')}.`);
    out.sort = input.sort as SortOrder;
  }
  const offset = optInt(input, 'offset', 0, 10_000_000);
  if (offset !== undefined) out.offset = offset;
  const limit = optInt(input, 'limit', 1, 1_000);
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** A selection of photos for a bulk action: ids, at least one, at most MAX_PHOTO_IDS. */
function photoIds(input: Record<string, unknown>): string[] {
  const v = input.photoIds;
  if (!Array.isArray(v)) bad('“photoIds” must be a list of photo ids.');
  if (v.length === 0) bad('Select at least one photo.');
  if (v.length > MAX_PHOTO_IDS)
    bad(`Too many photos at once (${v.length}; at most ${MAX_PHOTO_IDS}): act on a smaller selection.`);
  return v.map((x, i) => {
    if (typeof x !== 'string' || x.trim() === '') bad(`Entry ${i + 1} of “photoIds” must be a photo id.`);
    if (x.length > MAX_PATH) bad(`Entry ${i + 1} of “photoIds” is too long.`);
    return x;
  });
}

const MONTH = /^(\d{4}-(0[1-9]|1[0-2])|undated)$/;

function timelineFilters(input: Record<string, unknown>): { filters?: SearchFilters } {
  const f = filters(input);
  return f ? { filters: f } : {};
}

/** A bulk review: photos, and the tag (omitted: every suggested tag of theirs). */
function bulkReview(input: Record<string, unknown>): { photoIds: string[]; tag?: string } {
  const tag = optStr(input, 'tag', 200);
  return { photoIds: photoIds(input), ...(tag === undefined ? {} : { tag }) };
}

const STRICTNESS: readonly DuplicateStrictness[] = ['strict', 'normal', 'loose'];

/** Which duplicates: a folder, an album, how strict (duplicates.list and duplicates.resolve). */
function duplicateScope(input: Record<string, unknown>): {
  folder?: string;
  album?: string;
  strictness?: DuplicateStrictness;
} {
  const folder = optStr(input, 'folder', MAX_PATH);
  const album = optStr(input, 'album', 1_000);
  const strictness = optStr(input, 'strictness', 20);
  if (strictness !== undefined && !STRICTNESS.includes(strictness as DuplicateStrictness))
    bad('“strictness” must be strict, normal or loose.');
  return {
    ...(folder === undefined ? {} : { folder }),
    ...(album === undefined ? {} : { album }),
    ...(strictness === undefined ? {} : { strictness: strictness as DuplicateStrictness }),
  };
}

const none = (): Record<string, never> => ({});
const photoTag = (input: Record<string, unknown>) => ({
  photoId: str(input, 'photoId', 200),
  tag: str(input, 'tag', 200),
});

const validators: Validators = {
  'library.status': none,
  'folders.add': (i) => ({ path: path(i, 'path') }),
  'folders.remove': (i) => ({ path: path(i, 'path') }),
  'folders.exclude': (i) => ({ folder: path(i, 'folder'), path: path(i, 'path') }),
  'folders.browse': (i) => {
    const path = optStr(i, 'path', MAX_PATH);
    if (path?.includes('\0')) bad('“path” is not a valid path.');
    const showHidden = i.showHidden;
    if (showHidden !== undefined && showHidden !== null && typeof showHidden !== 'boolean')
      bad('“showHidden” must be true or false.');
    return {
      ...(path === undefined ? {} : { path }),
      ...(showHidden === true ? { showHidden: true } : {}),
    };
  },
  'indexing.start': none,
  'indexing.pause': none,
  'indexing.resume': none,
  'search.query': searchRequest,
  'search.facets': none,
  'store.get': none,
  'store.set': (i) => {
    if (i.store === null || i.store === undefined || i.store === '') return { store: null };
    const store = str(i, 'store', MAX_PATH);
    if (store.includes('\0')) bad('“store” is not a valid folder or address.');
    return { store: store.trim() };
  },
  'photos.get': (i) => ({ id: str(i, 'id', 200) }),
  'tags.add': photoTag,
  'tags.confirm': photoTag,
  'tags.reject': photoTag,
  'tags.facets': none,
  'vocabularies.list': none,
  'vocabularies.save': (i) => {
    const id = optStr(i, 'id', 200);
    const labels = strList(i, 'labels', 5_000)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (labels.length === 0) bad('A vocabulary needs at least one label.');
    return { ...(id === undefined ? {} : { id }), name: str(i, 'name', 200), labels };
  },
  'vocabularies.import': (i) => ({ name: str(i, 'name', 200), text: str(i, 'text', 1_000_000) }),
  'tagging.autoTag': (i) => {
    const folder = optStr(i, 'folder', MAX_PATH);
    const threshold = optNum(i, 'threshold', 0, 1);
    const anyway = optBool(i, 'anyway');
    return {
      vocabularyId: str(i, 'vocabularyId', 200),
      ...(folder === undefined ? {} : { folder }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(anyway === undefined ? {} : { anyway }),
    };
  },
  'tagging.lastRun': none,
  'tagging.undo': (i) => {
    const runId = optStr(i, 'runId', 200);
    return runId === undefined ? {} : { runId };
  },
  'pairs.overview': none,
  'pairs.add': (i) => ({ photoId: str(i, 'photoId', 200), text: str(i, 'text', 1_000).trim() }),
  'pairs.remove': (i) => ({ id: str(i, 'id', 200) }),
  'training.start': (i) => {
    const epochs = optInt(i, 'epochs', 1, 500);
    return epochs === undefined ? {} : { epochs };
  },
  'training.cancel': (i) => ({ runId: str(i, 'runId', 200) }),
  'adapters.list': none,
  'adapters.activate': (i) => ({ id: str(i, 'id', 200) }),
  'adapters.rollback': none,
  'models.catalogue': none,
  'models.download': (i) => ({ id: str(i, 'id', 200) }),
  'models.activate': (i) => ({ id: str(i, 'id', 200) }),
  'photos.timeline': timelineFilters,
  'photos.month': (i) => {
    const month = str(i, 'month', 20);
    if (!MONTH.test(month)) bad('“month” must be a month like 2024-07, or “undated”.');
    return { month, ...timelineFilters(i) };
  },
  'tags.addMany': (i) => ({ photoIds: photoIds(i), tag: str(i, 'tag', 200) }),
  'tags.confirmMany': bulkReview,
  'tags.rejectMany': bulkReview,
  'pairs.addMany': (i) => ({ photoIds: photoIds(i), text: str(i, 'text', 1_000).trim() }),
  'xmp.export': (i) => ({ photoIds: photoIds(i) }),
  'review.labels': none,
  'review.queue': (i) => {
    const offset = optInt(i, 'offset', 0, 10_000_000);
    const limit = optInt(i, 'limit', 1, 1_000);
    return {
      tag: str(i, 'tag', 200),
      ...(offset === undefined ? {} : { offset }),
      ...(limit === undefined ? {} : { limit }),
    };
  },
  'albums.list': none,
  'albums.create': (i) => {
    const photoIds = i.photoIds === undefined || i.photoIds === null ? undefined : strList(i, 'photoIds');
    const smart = smartQuery(i);
    return {
      name: albumName(i),
      ...(photoIds === undefined ? {} : { photoIds }),
      ...(smart === undefined ? {} : { smart }),
    };
  },
  'albums.rename': (i) => ({ id: albumId(i), name: albumName(i) }),
  'albums.delete': (i) => ({ id: albumId(i) }),
  'albums.add': albumPhotos,
  'albums.remove': albumPhotos,
  'albums.setCover': (i) => ({ id: albumId(i), photoId: str(i, 'photoId', 200) }),
  'albums.move': (i) => {
    const index = optInt(i, 'index', 0, 10_000_000);
    if (index === undefined) bad('“index” must be a whole number from 0 to 10000000.');
    return { ...albumPhotos(i), index };
  },
  'albums.photos': (i) => {
    const offset = optInt(i, 'offset', 0, 10_000_000);
    const limit = optInt(i, 'limit', 1, 1_000);
    return {
      id: albumId(i),
      ...(offset === undefined ? {} : { offset }),
      ...(limit === undefined ? {} : { limit }),
    };
  },
  'albums.export': (i) => ({ id: albumId(i), destination: path(i, 'destination') }),
  'duplicates.resolve': (i) => ({
    ...duplicateScope(i),
    ...(i.groupIds === undefined ? {} : { groupIds: strList(i, 'groupIds') }),
  }),
  'duplicates.undo': (i) => {
    const id = optStr(i, 'id', 200);
    return id ? { id } : {};
  },
  'trash.list': none,
  'trash.restore': (i) => {
    const originalPaths = strList(i, 'originalPaths');
    if (originalPaths.length === 0) bad('“originalPaths” must name at least one file.');
    return {
      originalPaths: originalPaths.map((p, n) => path({ [`originalPaths[${n}]`]: p }, `originalPaths[${n}]`)),
    };
  },
  'trash.empty': none,
  'models.import': (i) => ({ path: path(i, 'path') }),
  'models.makeFaster': (i) => ({ id: str(i, 'id', 200) }),
  'duplicates.list': (i) => {
    const offset = optInt(i, 'offset', 0, 10_000_000);
    const limit = optInt(i, 'limit', 1, 1_000);
    return {
      ...duplicateScope(i),
      ...(offset === undefined ? {} : { offset }),
      ...(limit === undefined ? {} : { limit }),
    };
  },
  'duplicates.keep': (i) => ({ groupId: str(i, 'groupId', 200), photoId: path(i, 'photoId') }),
};

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

/** Checks a method name and its request; throws a UserError ('invalid-request') a person can read. */
export function validateRequest<M extends MethodName>(method: M, input: unknown): Request<M>;
export function validateRequest(method: string, input: unknown): unknown;
export function validateRequest(method: string, input: unknown): unknown {
  if (!isMethodName(method)) throw new UserError(`Lookbook has no “${method}” request.`, 'unknown-method');
  const body = input === undefined || input === null ? {} : input;
  if (typeof body !== 'object' || Array.isArray(body)) bad('The request must be a JSON object.');
  return validators[method](body as Record<string, unknown>);
}

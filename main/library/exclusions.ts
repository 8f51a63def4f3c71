import { resolve, sep } from 'node:path';
import { isUnder } from '../paths.js';

// Which paths under a watched folder the library ignores. One function decides for both the scanner and
// the watcher, so the two can never disagree; the watcher also hands the native watcher a rough copy
// (nativeIgnores) so that it does not walk and watch folders nobody wants.

/**
 * Folders and files nobody wants in a photo library: hidden entries (.git, .Trash, ._resource forks),
 * package folders, NAS and OS system folders. Matched against each path component's name.
 */
const DEFAULT_EXCLUDED_NAMES = new Set(
  [
    'node_modules',
    '@eaDir',
    '#recycle',
    '$RECYCLE.BIN',
    'System Volume Information',
    '__MACOSX',
    'Thumbs.db',
    'desktop.ini',
    'lost+found',
  ].map((n) => n.toLowerCase()),
);

export function isDefaultExcludedName(name: string): boolean {
  return name.startsWith('.') || DEFAULT_EXCLUDED_NAMES.has(name.toLowerCase());
}

/** A glob-like pattern as a RegExp: `*` within a name, `**` across folders, `?` one character. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

export interface ExclusionRules {
  /** The watched folder (absolute). */
  root: string;
  /** Absolute sub-paths excluded with everything under them. */
  excluded: string[];
  /** Glob-like patterns: without '/', matched against every name; with '/', against the relative path. */
  patterns: string[];
}

export function createExclusionMatcher(rules: ExclusionRules): (path: string) => boolean {
  const nameRes = rules.patterns.filter((p) => !p.includes('/')).map(globToRegExp);
  const pathRes = rules.patterns
    .filter((p) => p.includes('/'))
    .map((p) => globToRegExp(p.replace(/^\/+/, '')));
  const excluded = rules.excluded.map((p) => p.replace(/[\\/]+$/, ''));
  // Normalised once (no trailing separator), as isUnder wants; the paths asked about are joined from it.
  const root = resolve(rules.root);
  return (path: string) => {
    if (path === root) return false;
    if (!isUnder(path, root)) return true;
    for (const ex of excluded) if (isUnder(path, ex)) return true;
    // Under the root (checked above), so the relative path is the rest of the string: path.relative
    // would resolve both paths again, for every file of a scan.
    const rel = path.slice(root.endsWith(sep) ? root.length : root.length + 1);
    const parts = rel.split(sep);
    for (const name of parts) {
      if (isDefaultExcludedName(name)) return true;
      if (nameRes.some((re) => re.test(name))) return true;
    }
    const relPosix = parts.join('/');
    // A path pattern excludes the matched folder and everything below it.
    for (const re of pathRes) {
      for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join('/'))) return true;
      if (re.test(relPosix)) return true;
    }
    return false;
  };
}

/** A name matched in any letter case without a RegExp flag (the native watcher accepts none). */
function anyCase(name: string): string {
  return name
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/**
 * What the native watcher may skip under a folder: the excluded paths, and hidden and default-excluded
 * names (matched on the path relative to the folder). Patterns are left to the matcher (a saving only).
 */
export function nativeIgnores(rules: ExclusionRules): (string | RegExp)[] {
  const names = [...DEFAULT_EXCLUDED_NAMES].map(anyCase).join('|');
  return [...rules.excluded, new RegExp(`(^|[\\\\/])(\\.[^\\\\/]*|${names})([\\\\/]|$)`)];
}

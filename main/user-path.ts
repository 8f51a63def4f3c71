// [Note: typed paths] What a person types or pastes as a folder or file path, made into an absolute path
// of this computer, or refused with a sentence that says how to fix it. Used wherever a path arrives
// from a person: adding a folder (the app and `lookbook folders add`), the app's folder browser and
// importing a model from the app.
//
// The decisions:
//   - Surrounding quotes are stripped: Windows' "Copy as path" and many file managers add them, and no
//     folder name starts and ends with the same quote.
//   - `~` means the home folder, as in a shell.
//   - A relative path is refused where it arrives without a folder it is relative to (the app: the
//     server's working folder means nothing to the person, and "<server folder>/Pictures does not
//     exist" was the confusing result). The CLI passes its working folder, which is the person's own.
//   - A Windows path (C:\…, \\server\share) on Linux or macOS is named as such; on Windows it is the
//     normal case.
//   - A path that does not exist is checked for a near miss (a letter's case or a small typo in one
//     of its names) against the folders that do exist, and the one found is suggested.
import { readdirSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

export interface UserPathOptions {
  /** Resolve relative paths against this folder (the CLI's working folder); without it they are refused. */
  relativeTo?: string;
  platform?: NodeJS.Platform;
  home?: string;
}

const QUOTES: Array<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
];

function withoutQuotes(s: string): string {
  for (const [open, close] of QUOTES) {
    if (s.length >= 2 && s.startsWith(open) && s.endsWith(close)) return s.slice(1, -1).trim();
  }
  return s;
}

const WINDOWS_DRIVE = /^[A-Za-z]:([\\/]|$)/;
const WINDOWS_SHARE = /^\\\\[^\\]/;

function systemName(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'macOS' : platform === 'linux' ? 'Linux' : platform;
}

/**
 * `typed` as an absolute, normalised path of this computer (quotes stripped, `~` expanded), or a
 * UserError ('invalid-path') that says what is wrong and what a right path looks like.
 */
export function absoluteUserPath(typed: string, options: UserPathOptions = {}): string {
  const platform = options.platform ?? process.platform;
  const windows = platform === 'win32';
  const p = windows ? win32 : posix;
  const home = options.home ?? homedir();
  const example = p.join(home, 'Pictures');
  let s = withoutQuotes(typed.trim());
  if (s === '') throw new UserError('Type the path of a folder, such as ' + example + '.', 'invalid-path');
  if (/^file:\/\//i.test(s)) {
    try {
      s = fileURLToPath(s, { windows });
    } catch {
      throw new UserError(`“${typed.trim()}” is not a path of this computer.`, 'invalid-path');
    }
  }
  if (!windows && (WINDOWS_DRIVE.test(s) || WINDOWS_SHARE.test(s))) {
    throw new UserError(
      `“${s}” is a Windows path, but Lookbook runs on ${systemName(platform)} here. ` +
        `Type the folder's path on this computer, such as ${example}.`,
      'invalid-path',
    );
  }
  if (s === '~' || s.startsWith('~/') || (windows && s.startsWith('~\\'))) s = p.join(home, s.slice(1));
  if (!p.isAbsolute(s) || (windows && !WINDOWS_DRIVE.test(s) && !WINDOWS_SHARE.test(s))) {
    if (options.relativeTo !== undefined) return p.resolve(options.relativeTo, s);
    throw new UserError(
      `“${s}” is not a full path. Type the whole path from the start, such as ${example}` +
        (windows ? '.' : ` (or ~/${posix.basename(example)}).`),
      'invalid-path',
    );
  }
  return p.resolve(s);
}

/** Edit distance of two short names (a typo is one or two edits). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The entry of `dir` whose name is closest to `name`: same letters in another case, else one or two edits. */
function closestName(dir: string, name: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const lower = name.toLowerCase();
  const sameCase = names.find((n) => n.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const allowed = name.length <= 4 ? 1 : 2;
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = distance(n.toLowerCase(), lower);
    if (d <= allowed && (!best || d < best.d)) best = { name: n, d };
  }
  return best?.name;
}

/**
 * For an absolute path that does not exist: the existing path that differs from it only by the case of
 * letters or a small typo in some of its names (/home/me/pictures → /home/me/Pictures), if there is one.
 */
export function nearMiss(abs: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const p = platform === 'win32' ? win32 : posix;
  const { root } = p.parse(abs);
  const names = abs.slice(root.length).split(p.sep).filter(Boolean);
  let at = root;
  let changed = false;
  for (const name of names) {
    const next = p.join(at, name);
    if (existsSync(next)) {
      at = next;
      continue;
    }
    const fixed = closestName(at, name);
    if (!fixed) return undefined;
    at = p.join(at, fixed);
    changed = true;
  }
  return changed && existsSync(at) ? at : undefined;
}

/** "<path> does not exist", with the near miss when there is one (also as the error's suggestion). */
export function missingPathError(abs: string, code: string): UserError {
  const suggestion = nearMiss(abs);
  return suggestion
    ? new UserError(`${abs} does not exist. Did you mean ${suggestion}?`, code, { suggestion })
    : new UserError(`${abs} does not exist.`, code);
}

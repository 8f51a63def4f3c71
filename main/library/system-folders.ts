import { posix, win32 } from 'node:path';

// Folders that are never photo folders: the root of a disk, the kernel's virtual file systems and the
// operating system's own folders. Added by mistake (`lookbook folders add /`), one of them makes
// Lookbook walk and watch the whole file system: gigabytes of memory for the walk, every watch the
// system allows, and a scan that never ends. They are refused with the reason; the folders that hold
// photos inside them (/home/me/Pictures, D:\Photos, /run/media/me/CARD) are fine.

type Platform = NodeJS.Platform;

/** Not files at all, but the kernel's view of processes, devices and settings: refused with all below. */
const VIRTUAL_POSIX = ['/proc', '/sys', '/dev'];

/** The system's own folders (refused themselves; a folder inside one may hold pictures, e.g. wallpapers). */
const SYSTEM_POSIX = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/run',
  '/sbin',
  '/snap',
  '/tmp',
  '/usr',
  '/var',
  // macOS
  '/System',
  '/System/Volumes/Data',
  '/Library',
  '/private',
  '/Volumes',
  '/Applications',
  '/cores',
];

/** Windows: folders of a drive's root (any drive letter). */
const SYSTEM_WINDOWS = [
  'Windows',
  'Program Files',
  'Program Files (x86)',
  'ProgramData',
  '$Recycle.Bin',
  'System Volume Information',
];

/**
 * Why `path` (absolute) cannot be a library folder, or undefined when it can. `platform` decides the
 * path rules (tests check the Windows and macOS rules on any machine).
 */
export function systemFolderReason(path: string, platform: Platform = process.platform): string | undefined {
  const windows = platform === 'win32';
  const p = windows ? win32 : posix;
  const abs = p.resolve(path);
  // Windows and macOS compare names without regard to case (C:\WINDOWS, /system).
  const fold = (s: string) => (windows || platform === 'darwin' ? s.toLowerCase() : s);
  const same = (a: string, b: string) => fold(a) === fold(b);
  const under = (child: string, parent: string) =>
    same(child, parent) || fold(child).startsWith(fold(parent.endsWith(p.sep) ? parent : parent + p.sep));

  const root = p.parse(abs).root;
  if (same(abs, root)) {
    return (
      `${abs} is the root of the file system: Lookbook would read and watch every file on the disk. ` +
      'Add the folders that hold your photos instead (such as your Pictures folder)'
    );
  }
  if (windows) {
    const system = SYSTEM_WINDOWS.map((name) => p.join(root, name)).find((s) => same(abs, s));
    if (system)
      return `${abs} is a folder of Windows itself, not of photos; add the folders that hold your photos`;
    return undefined;
  }
  const virtual = VIRTUAL_POSIX.find((v) => under(abs, v));
  if (virtual) {
    return (
      `${abs} is not a folder of files but the system's view of its processes and devices (${virtual}); ` +
      'add the folders that hold your photos'
    );
  }
  if (SYSTEM_POSIX.some((s) => same(abs, s))) {
    return `${abs} is a folder of the operating system, not of photos; add the folders that hold your photos`;
  }
  return undefined;
}

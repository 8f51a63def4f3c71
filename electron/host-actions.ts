// [Note: host actions] What the desktop shell does for the renderer that a web page cannot: native
// dialogs and the OS file manager. The renderer knows them as HostApi (main/api/types.ts, the only core
// file it may import). This file derives from HostApi what crosses IPC, so that the preload (which sends
// an action) and electron/ipc.ts (which carries it out) agree with the renderer by construction: adding
// or changing an action in HostApi is a type error here until both sides follow.
import type { BrowserWindow } from 'electron';
import type { HostApi } from '../main/api/types.js';

/** The IPC channel host actions travel on. The preload, which may load only 'electron', types its copy with HostChannel. */
export const HOST_CHANNEL = 'lookbook:host';
export type HostChannel = typeof HOST_CHANNEL;

/** Every host action but pathForFile, which the preload answers itself (webUtils) with no round trip. */
export type HostActionName = Exclude<keyof HostApi, 'pathForFile'>;

/** Each action's arguments and result, read off HostApi. */
export type HostActions = {
  [A in HostActionName]: { args: Parameters<HostApi[A]>; result: Awaited<ReturnType<HostApi[A]>> };
};

/**
 * How many arguments each action takes: the one runtime list of the actions. IPC carries anything, so
 * electron/ipc.ts refuses an action that is not here or a call with another number of arguments. The
 * type makes each count match HostApi and every action appear.
 */
export const HOST_ACTION_ARITY: { readonly [A in HostActionName]: HostActions[A]['args']['length'] } = {
  pickFolder: 0,
  pickImage: 0,
  showInFolder: 1,
  openWithDefaultApp: 1,
};

// Every argument of every action is a path, so a string check is all the IPC handler needs. An action
// taking anything else makes this a type error: give it its own check in electron/ipc.ts first.
type AllArgumentsArePaths = HostActions[HostActionName]['args'][number] extends string ? true : never;
export const _allArgumentsArePaths: AllArgumentsArePaths = true;

export function isHostAction(value: unknown): value is HostActionName {
  return typeof value === 'string' && Object.hasOwn(HOST_ACTION_ARITY, value);
}

/** What electron/ipc.ts implements: one handler per action, given the window that asked. */
export type HostHandlers = {
  [A in HostActionName]: (
    win: BrowserWindow | undefined,
    ...args: HostActions[A]['args']
  ) => Promise<HostActions[A]['result']>;
};

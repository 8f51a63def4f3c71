/** The Electron binary under `root`/node_modules/electron, or undefined when it has not been downloaded. */
export function electronBinary(root: string): string | undefined;

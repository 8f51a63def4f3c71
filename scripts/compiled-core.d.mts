// Types for compiled-core.mjs, which runs in plain Node before anything is compiled.
export declare function compiledDir(root: string): string;
export declare function compiledCli(root: string): string;
export declare function isCompiledCoreFresh(root: string): boolean;
export declare function buildCompiledCore(root: string): string | undefined;

// The renderer's one door to the core: the shared API types (and their few constants), nothing else.
export * from '../../../main/api/types';

// The renderer's one door to the core: the shared API types (and their few constants), nothing else.
// eslint.config.js means to allow exactly this import, but its gitignore-style negation cannot
// re-include a file under an excluded folder (main/**), so the rule reports it; hence the directive.
// eslint-disable-next-line no-restricted-imports
export * from '../../../main/api/types';

// [Note: one placeholder] Every template a person writes marks where the label goes with `{label}`:
// captions from tags (`pairs from-tags --template`), folder datasets' class texts (`--template`) and a
// vocabulary's own prompts. The spellings used before (`{}`, `{class}`, `{tag}`) are still read, so
// older vocabularies and scripts keep working; help and docs show only `{label}`.

export const LABEL_PLACEHOLDER = '{label}';

const ALL_SPELLINGS = [LABEL_PLACEHOLDER, '{}', '{class}', '{tag}'] as const;

/** Whether a template has a place for the label (in any spelling). */
export function hasLabelPlaceholder(template: string): boolean {
  return ALL_SPELLINGS.some((p) => template.includes(p));
}

/** The template with every placeholder replaced by the label. */
export function fillLabel(template: string, label: string): string {
  let out = template;
  for (const p of ALL_SPELLINGS) out = out.split(p).join(label);
  return out;
}

import type { JSX } from 'preact';
import { LEVEL_LABEL } from '../severity';
import type { Level } from '../types';

/** Colour dot plus a word: colour is never the only carrier of meaning. */
export function SeverityBadge({ level, text }: { level: Level; text?: string }): JSX.Element {
  return (
    <span class={`badge sev-${level}`}>
      <span class="dot" aria-hidden="true" />
      {text ?? LEVEL_LABEL[level]}
    </span>
  );
}

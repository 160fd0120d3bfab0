import { Fragment } from 'react';
import { keyBreakPieces } from '../key-breaks.js';

/**
 * A message key in `<code>` that wraps at its separators (a `<wbr>` between pieces), not mid-word;
 * only a piece wider than its whole line is cut (CSS `.key-text`).
 */
export function BreakableKey({ value, className }: { value: string; className?: string }) {
  const pieces = keyBreakPieces(value);
  return (
    <code className={`key-text${className ? ` ${className}` : ''}`} title={value}>
      {pieces.map((piece, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one key, in order, never reordered
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {piece}
        </Fragment>
      ))}
    </code>
  );
}

import type { MouseEvent } from 'react';

/**
 * A tap anywhere on a table row opens (or closes) its details, unless it was on a control of its
 * own (a link, a button, a field): those keep their meaning. Keyboard users have the row's
 * disclosure button.
 */
export function toggleUnlessControl(event: MouseEvent<HTMLElement>, toggle: () => void): void {
  const target = event.target as HTMLElement;
  if (target.closest('a, button, input, select, textarea, label, dialog')) return;
  // A selection made by dragging is not a tap.
  if (window.getSelection()?.toString()) return;
  toggle();
}

import { memo } from 'react';
import { fit } from '../../model/sanitize.js';
import { hintsFor, type KeyContext } from '../keymap.js';
import type { Theme } from '../theme.js';
import { Lines } from './Lines.js';

export interface HintsProps {
  width: number;
  theme: Theme;
  ctx: KeyContext;
}

/** The bottom line: the hinted bindings of the active scopes, generated from the keymap. */
export function hintsLine(p: HintsProps): string {
  return p.theme.paint(fit(hintsFor(p.ctx, p.width, p.theme.ascii), p.width), 'dim');
}

export const Hints = memo(function Hints(p: HintsProps) {
  return <Lines lines={[hintsLine(p)]} width={p.width} height={1} />;
});

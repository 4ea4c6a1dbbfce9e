import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
});

import { Text, useInput, useStdin } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { useLayoutEffect } from 'react';
import { useEarlyKeys } from '../../src/ui/use-early-keys.js';

afterEach(() => cleanup());

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A key read from the terminal after the overlay's commit but before its passive effects ran. */
function Probe({ got, early }: { got: string[]; early: boolean }) {
  const { internal_eventEmitter } = useStdin();
  useInput((input) => {
    got.push(input);
  });
  // hooks are called unconditionally; `early` decides whether the early listener does anything
  useEarlyKeysIf(early);
  useLayoutEffect(() => {
    internal_eventEmitter.emit('input', 'x');
  }, [internal_eventEmitter]);
  return <Text>probe</Text>;
}

function useEarlyKeysIf(on: boolean): void {
  // a component either always or never calls it; two components keep the rules of hooks
  if (on) useEarlyKeys();
}

describe('useEarlyKeys', () => {
  it('hands a key that arrived before useInput subscribed to the component', async () => {
    const got: string[] = [];
    const inst = render(<Probe got={got} early={true} />);
    await until(() => (inst.lastFrame() ?? '').includes('probe'));
    await until(() => got.length > 0);
    expect(got).toEqual(['x']);
    inst.stdin.write('y');
    await until(() => got.length > 1);
    expect(got).toEqual(['x', 'y']); // and live keys arrive once, not twice
  });

  it('(without it, that key is lost)', async () => {
    const got: string[] = [];
    const inst = render(<Probe got={got} early={false} />);
    await until(() => (inst.lastFrame() ?? '').includes('probe'));
    inst.stdin.write('y');
    await until(() => got.length > 0);
    expect(got).toEqual(['y']);
  });
});

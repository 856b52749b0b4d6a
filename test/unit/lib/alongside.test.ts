import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alongside } from '../../../shared/lib/alongside.ts';

interface Observer {
  seen?(value: number): void;
  gone?(name: string, count: number): void;
}

describe('alongside', () => {
  it('calls the first observer, then the second, with the same arguments', () => {
    const heard: string[] = [];
    const combined = alongside<Observer>(
      {
        seen: (value) => heard.push(`first ${value}`),
        gone: (name) => heard.push(`first ${name}`),
      },
      { seen: (value) => heard.push(`second ${value}`) },
    );

    combined.seen?.(7);
    combined.gone?.('x', 2);

    assert.deepEqual(heard, ['first 7', 'second 7', 'first x']);
  });

  it('hears the callbacks only the second observer has', () => {
    const heard: [string, number][] = [];
    const combined = alongside<Observer>({}, { gone: (name, count) => heard.push([name, count]) });

    combined.gone?.('y', 3);

    assert.deepEqual(heard, [['y', 3]]);
    assert.deepEqual(Object.keys(combined), ['gone']);
  });
});

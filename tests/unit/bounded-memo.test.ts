import { boundedMemo } from '../../src/lib/bounded-memo';

describe('bounded memo', () => {
  it('when a key is asked again, then the remembered answer comes back without computing', () => {
    const computed: string[] = [];
    const lengthOf = boundedMemo((key) => {
      computed.push(key);
      return key.length;
    }, 10);

    expect([lengthOf('abc'), lengthOf('abc'), lengthOf('de')]).toEqual([3, 3, 2]);
    expect(computed).toEqual(['abc', 'de']);
  });

  it('when maxEntries keys are held, then it starts over: memory stays bounded and every answer stays right', () => {
    const computed: string[] = [];
    const upper = boundedMemo((key) => {
      computed.push(key);
      return key.toUpperCase();
    }, 2);

    expect(['a', 'b', 'c', 'a', 'c'].map(upper)).toEqual(['A', 'B', 'C', 'A', 'C']);
    // 'c' found the table full and started it over, so 'a' was computed again and 'c' was still held.
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});

import { partitionLag } from './partition-lag';

describe('consumer lag over the partitions', () => {
  it('sums the high watermark less the committed offset of each partition', () => {
    const ends = [
      { partition: 0, low: '0', high: '120' },
      { partition: 1, low: '0', high: '80' },
    ];
    const commits = [
      { partition: 0, offset: '100' },
      { partition: 1, offset: '80' },
    ];
    expect(partitionLag(ends, commits)).toBe(20);
  });

  it('counts a partition the group never committed from its low watermark', () => {
    const ends = [
      { partition: 0, low: '0', high: '5' },
      { partition: 1, low: '30', high: '42' },
    ];
    expect(partitionLag(ends, [{ partition: 0, offset: '-1' }])).toBe(5 + 12);
  });

  it('counts only what is left when retention deleted past the committed offset', () => {
    expect(partitionLag([{ partition: 0, low: '500', high: '510' }], [{ partition: 0, offset: '40' }])).toBe(
      10,
    );
  });
});

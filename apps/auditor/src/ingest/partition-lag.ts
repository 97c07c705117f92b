/** One partition's end offsets (kafkajs `fetchTopicOffsets`), as the decimal strings Kafka sends. */
export interface PartitionEnds {
  partition: number;
  low: string;
  high: string;
}

/** One partition's committed offset for the group (kafkajs `fetchOffsets`): "-1" when none yet. */
export interface PartitionCommit {
  partition: number;
  offset: string;
}

/**
 * Messages the group has yet to commit, summed over the topic's partitions: the high watermark less
 * where the group would resume. With no commit, or one below the low watermark (retention deleted what
 * it pointed at), the group resumes at the low watermark, so only what is still there counts.
 */
export function partitionLag(ends: readonly PartitionEnds[], commits: readonly PartitionCommit[]): number {
  const committed = new Map(commits.map((commit) => [commit.partition, Number(commit.offset)]));
  let lag = 0;
  for (const { partition, low, high } of ends) {
    const resumeAt = Math.max(committed.get(partition) ?? -1, Number(low));
    lag += Math.max(0, Number(high) - resumeAt);
  }
  return lag;
}

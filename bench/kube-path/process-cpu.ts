/**
 * CPU time (user + system) from /proc: per process, to tell which hop spends the cycles, and for the
 * whole machine, to show how much other work shared the cores during a measurement.
 */
import { readFileSync } from 'node:fs';

// /proc counts in clock ticks; USER_HZ is 100 on Linux everywhere that matters.
const msPerTick = 1000 / 100;

export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * msPerTick;
}

/** Busy CPU ms of the whole machine, all cores: everything but idle and iowait. */
export function machineCpuMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) * msPerTick;
}

/** CPU ms each named process used between `start()` and `stop()`, and `others`: the rest of the machine. */
export class CpuMeter {
  private before: Record<string, number> = {};

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.before = this.read();
  }

  stop(): Record<string, number> {
    const now = this.read();
    const used = Object.fromEntries(
      Object.entries(now).map(([name, value]) => [name, value - (this.before[name] ?? 0)]),
    );
    const { machine = 0, ...processes } = used;
    const ours = Object.values(processes).reduce((sum, value) => sum + value, 0);
    return { ...processes, others: Math.max(0, machine - ours) };
  }

  private read(): Record<string, number> {
    const values: Record<string, number> = { machine: machineCpuMs() };
    for (const [name, pid] of Object.entries(this.pids)) values[name] = processCpuMs(pid);
    return values;
  }
}

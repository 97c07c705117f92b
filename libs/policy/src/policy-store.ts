/**
 * Keeps the policy file loaded: reloads it when it changes, and keeps serving the last good policy when
 * the new text is broken or unreadable, with the problem in `status()`. Watches the directory (editors
 * and Kubernetes ConfigMap mounts replace files rather than write them) and polls as a fallback.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { evaluatePolicy } from './evaluate-policy.js';
import { tryParsePolicy } from './parse-policy.js';
import { PolicyError } from './policy-error.js';
import type { PolicyDecision, PolicyInput } from './policy-input.js';
import type { Policy } from './policy.js';

export interface PolicyStoreOptions {
  path: string;
  /** How often to re-read the file in case a change event was missed. Default 2000 ms; 0 turns polling off. */
  pollIntervalMs?: number;
  /** Whether to react to file system change events. Default true. */
  watch?: boolean;
  /** Called after a reload that changed the policy in use or the last error. */
  onChange?: (status: PolicyStatus) => void;
}

export interface PolicyStatus {
  path: string;
  loaded: boolean;
  /** sha256 of the policy text in use. */
  version?: string;
  loadedAt?: Date;
  lastAttemptAt?: Date;
  /** Why the last reload was rejected; cleared by the next successful one. */
  lastError?: PolicyError;
}

const DEBOUNCE_MS = 50;

export class PolicyStore {
  private current: Policy | undefined;
  private version: string | undefined;
  private loadedAt: Date | undefined;
  private lastAttemptAt: Date | undefined;
  private lastAttemptVersion: string | undefined;
  private lastError: PolicyError | undefined;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: PolicyStoreOptions) {}

  get policy(): Policy | undefined {
    return this.current;
  }

  status(): PolicyStatus {
    return {
      path: this.options.path,
      loaded: this.current !== undefined,
      version: this.version,
      loadedAt: this.loadedAt,
      lastAttemptAt: this.lastAttemptAt,
      lastError: this.lastError,
    };
  }

  /** Fails closed: denies everything, saying why, until a policy has loaded. */
  evaluate(input: PolicyInput): PolicyDecision {
    return evaluatePolicy(this.current, input, this.lastError?.message);
  }

  /** Loads the file once, then follows changes until `stop()`. */
  async start(): Promise<PolicyStatus> {
    await this.reload();
    if (this.options.watch ?? true) this.startWatching();
    const interval = this.options.pollIntervalMs ?? 2000;
    if (interval > 0 && this.pollTimer === undefined) {
      this.pollTimer = setInterval(() => void this.reload(), interval);
      this.pollTimer.unref();
    }
    return this.status();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
  }

  /** Reads and applies the file now; concurrent calls coalesce into one more read. */
  async reload(): Promise<PolicyStatus> {
    if (this.running !== undefined) {
      this.again = true;
      await this.running;
      return this.status();
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.readAndApply();
      } while (this.again);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
    return this.status();
  }

  private startWatching(): void {
    if (this.watcher !== undefined) return;
    try {
      this.watcher = watch(dirname(this.options.path), { persistent: false }, () => this.scheduleReload());
      // Watching can fail later (directory removed, inotify limits); polling carries on.
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), DEBOUNCE_MS);
    this.debounceTimer.unref();
  }

  private async readAndApply(): Promise<void> {
    this.lastAttemptAt = new Date();
    let text: string;
    try {
      text = await readFile(this.options.path, 'utf8');
    } catch (error) {
      const message = `cannot read policy file ${this.options.path}: ${(error as Error).message}`;
      this.lastAttemptVersion = undefined;
      this.fail(new PolicyError('POLICY_UNREADABLE', message));
      return;
    }
    const version = createHash('sha256').update(text).digest('hex');
    if (version === this.lastAttemptVersion) return;
    this.lastAttemptVersion = version;
    const result = tryParsePolicy(text);
    if (!result.ok) {
      this.fail(result.error);
      return;
    }
    this.current = result.policy;
    this.version = version;
    this.loadedAt = new Date();
    this.lastError = undefined;
    this.options.onChange?.(this.status());
  }

  private fail(error: PolicyError): void {
    const changed = this.lastError?.message !== error.message;
    this.lastError = error;
    if (changed) this.options.onChange?.(this.status());
  }
}

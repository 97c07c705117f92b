import type { ServerResponse } from 'node:http';
import { goneStatus } from '@tether/kube';
import { ApiError } from './api-error.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import { groupVersionOf, typeKey, type ResourceType } from './resource-catalog.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { toTable, type IncludeObject } from './table/table.js';
import type { ChangeType, StoredChange } from './versioned-storage.js';

/**
 * A watch stream: newline-delimited `{"type","object"}` events with resourceVersion semantics — "" or
 * "0" starts with the current state as ADDED, a number resumes after that version (410 Expired in-stream
 * when it has left the history window), `sendInitialEvents` ends the initial state with a bookmark.
 */

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  query: URLSearchParams;
  /** Set when the client asked for Table events (kubectl get -w). */
  table?: { includeObject: IncludeObject };
  bookmarkIntervalMs: number;
}

type EventType = ChangeType | 'BOOKMARK' | 'ERROR';

export function parseWatchResourceVersion(value: string | null): number | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) {
    throw ApiError.badRequest(
      `resourceVersion: Invalid value: ${JSON.stringify(value)}: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  }
  return Number(value);
}

/** Starts streaming; returns a function that ends the stream (used on server close). */
export function serveWatch(
  store: ObjectStore,
  request: WatchRequest,
  res: ServerResponse,
  onEnd: () => void,
): () => void {
  const { type, namespace, query } = request;
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), type.kind);
  const since = parseWatchResourceVersion(query.get('resourceVersion'));
  const sendInitial = query.get('sendInitialEvents') === 'true' || since === undefined;
  const bookmarks = query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1';
  const key = typeKey(type);
  const matches = (object: KubeObject | undefined) =>
    object !== undefined &&
    (namespace === undefined || object.metadata.namespace === namespace) &&
    labels(object) &&
    fields(object);

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let ended = false;
  const timers: { bookmark?: NodeJS.Timeout; timeout?: NodeJS.Timeout } = {};
  let lastRevision = since ?? store.storage.currentRevision;
  const send = (eventType: EventType, object: unknown) => {
    if (!ended) res.write(JSON.stringify({ type: eventType, object }) + '\n');
  };
  const sendObject = (eventType: ChangeType, object: KubeObject) => {
    if (!request.table) return send(eventType, object);
    send(
      eventType,
      toTable(
        type.kind,
        [object],
        { resourceVersion: object.metadata.resourceVersion },
        { includeObject: request.table.includeObject },
      ),
    );
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', {
      kind: type.kind,
      apiVersion: groupVersionOf(type),
      metadata: { resourceVersion: String(lastRevision), ...(annotations ? { annotations } : {}) },
    });
  const onChange = (change: StoredChange) => {
    if (change.typeKey !== key || change.resourceVersion <= lastRevision) return;
    lastRevision = change.resourceVersion;
    const now = matches(change.object);
    const before = change.type === 'MODIFIED' && matches(change.previous);
    if (change.type === 'MODIFIED' && now !== before) sendObject(now ? 'ADDED' : 'DELETED', change.object);
    else if (now) sendObject(change.type, change.object);
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearInterval(timers.bookmark);
    clearTimeout(timers.timeout);
    res.end();
    onEnd();
  };

  const unsubscribe = store.subscribe(onChange);
  if (sendInitial && since === undefined) {
    const revision = store.storage.currentRevision;
    for (const object of store.storage.list(key, namespace)) if (matches(object)) sendObject('ADDED', object);
    lastRevision = revision;
  } else if (since !== undefined) {
    const changes = store.storage.changesSince(since);
    if (changes === 'expired') {
      send(
        'ERROR',
        goneStatus(`too old resource version: ${since} (${store.storage.compactedRevision + 1})`),
      );
      finish();
      return finish;
    }
    for (const change of changes) onChange(change);
  }
  if (query.get('sendInitialEvents') === 'true' && bookmarks)
    bookmark({ 'k8s.io/initial-events-end': 'true' });
  if (bookmarks) timers.bookmark = setInterval(() => bookmark(), request.bookmarkIntervalMs);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  timers.timeout = setTimeout(finish, timeoutSeconds > 0 ? timeoutSeconds * 1000 : 2 ** 31 - 1);
  res.on('close', finish);
  return finish;
}

/**
 * Auditor search with 5 million events stored (issue 8: user + cluster + last 24 h answers in under
 * 100 ms p95).
 *
 * Fills a private schema with N events over 30 days (heap in time order, as ingest writes it), ~500
 * people (a few much busier than the rest), 20 clusters, varied verbs, resources, decisions, URIs.
 * The table and indexes are the store's own (AuditStore.migrate); the rows are made by one
 * `INSERT ... SELECT generate_series` per chunk whose columns are derived from the event exactly as
 * insertBatch derives them. For loading speed the indexes are dropped first and rebuilt by migrate
 * afterwards, and the table is UNLOGGED (no WAL; reads are the same). Then ANALYZE.
 *
 * Each query runs through the built auditor's HTTP API as carol (a reader; every read is audited, as
 * in production), and, interleaved with it, the same store SQL straight on PostgreSQL (AuditStore in
 * this process): the baseline. EXPLAIN (ANALYZE, BUFFERS) of each query kind is printed once.
 *
 *   npx tsc -b tsconfig.build.json && npx tsx --conditions=source bench/auditor/search.bench.ts \
 *     [--events 5000000] [--queries 300]
 */
import { parseArgs } from 'node:util';
import { testKafkaBrokers } from '@tether/testing';
import {
  AuditStore,
  type AuditEvent,
  insertEventsSql,
  parseAuditEvent,
  parseAuditQuery,
} from '@tether/audit';
import type { SqlClient } from '@tether/sql';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { markdownTable, percentile } from '../kube-path/latency-stats';
import {
  clusterName,
  machineLoad,
  POSTGRES_URL,
  privateSchema,
  type RunningAuditor,
  startAuditor,
  startJwks,
  thousands,
  uniqueName,
  userName,
  runBench,
} from './support';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '5000000' },
    queries: { type: 'string', default: '300' },
  },
});
const totalEvents = Number(args.events);
const queries = Number(args.queries);
const users = 500;
const clusters = 20;
const days = 30;
const barP95Ms = 100;

/** One pg connection as the store's SqlClient, recording the last statement for EXPLAIN. */
class RecordingSql implements Pick<SqlClient, 'query' | 'exec' | 'close'> {
  last: { sql: string; params: readonly unknown[] } | undefined;
  constructor(private readonly client: Client) {}
  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.last = { sql, params };
    return (await this.client.query(sql, [...params])).rows as Row[];
  }
  async exec(script: string): Promise<void> {
    await this.client.query(script);
  }
  close(): Promise<void> {
    return this.client.end();
  }
}

// Values per row in the inner query (volatile, so evaluated per row); the event built from them; the
// columns taken from the event with insertBatch's own expressions.
function loadChunkSql(from: number, to: number): string {
  return insertEventsSql(`(
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'kind', 'Event', 'apiVersion', 'audit.k8s.io/v1', 'level', 'Metadata',
    'auditID', id, 'stage', 'ResponseComplete',
    'requestURI', CASE WHEN grp IS NULL THEN '/api/v1' ELSE '/apis/' || grp || '/v1' END
      || '/namespaces/' || ns || '/' || res
      || CASE WHEN exec THEN '/' || nm || '/exec?command=sh&container=app&stdin=true&tty=true'
              WHEN verb IN ('list', 'watch', 'create') THEN '' ELSE '/' || nm END
      || CASE WHEN verb = 'watch' THEN '?watch=true&resourceVersion=1234567' ELSE '' END,
    'verb', CASE WHEN exec THEN 'create' ELSE verb END,
    'user', jsonb_build_object('username', 'user-' || u, 'groups', jsonb_build_array('developers', 'team-' || team)),
    'impersonatedUser', CASE WHEN denied THEN NULL ELSE jsonb_build_object('username', 'user-' || u,
      'groups', jsonb_build_array('team-' || team || '-edit'),
      'extra', jsonb_build_object('tether.dev/request-id', jsonb_build_array(id))) END,
    'sourceIPs', jsonb_build_array('10.' || (g % 250) || '.' || (u % 250) || '.' || (g % 199)),
    'userAgent', 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9',
    'objectRef', jsonb_strip_nulls(jsonb_build_object('resource', res, 'namespace', ns,
      'name', CASE WHEN exec OR verb NOT IN ('list', 'watch', 'create') THEN nm END,
      'apiGroup', grp, 'apiVersion', 'v1', 'subresource', CASE WHEN exec THEN 'exec' END)),
    'responseStatus', jsonb_build_object('metadata', '{}'::jsonb, 'code', code)
      || CASE WHEN code >= 400 THEN '{"status":"Failure"}'::jsonb ELSE '{}'::jsonb END,
    'requestReceivedTimestamp', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'stageTimestamp', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'annotations', jsonb_strip_nulls(jsonb_build_object(
      'tether.dev/schema-version', '1', 'tether.dev/topic', 'tether.audit.v1',
      'tether.dev/cluster', 'cluster-' || lpad(c::text, 2, '0'),
      'tether.dev/decision', CASE WHEN denied THEN 'deny' ELSE 'allow' END,
      'tether.dev/rule', CASE WHEN denied THEN NULL ELSE 'team-' || team || '-read' END,
      'tether.dev/reason', CASE WHEN denied THEN 'no allow rule matched; closest: ''t' || team || '-read''' END,
      'tether.dev/broker-instance', 'broker-' || (g % 3),
      'tether.dev/trace-id', md5(id::text),
      'tether.dev/bytes-from-client', (g % 3000)::text,
      'tether.dev/bytes-to-client', (200 + (g * 31) % 50000)::text,
      'tether.dev/duration-ms', (1 + g % 250)::text,
      'tether.dev/exec-command', CASE WHEN exec THEN '["sh"]' END))
  )) AS e
  FROM (
    SELECT g, gen_random_uuid() AS id, u, c, team, verb, res, ns, nm, at,
      (res = 'pods' AND g % 50 = 0) AS exec, (g % 23 = 0) AS denied,
      CASE WHEN g % 23 = 0 THEN 403 WHEN verb = 'get' AND g % 11 = 0 THEN 404 WHEN verb = 'create' THEN 201 ELSE 200 END AS code,
      CASE res WHEN 'deployments' THEN 'apps' WHEN 'jobs' THEN 'batch' END AS grp
    FROM (
      SELECT g,
        floor(${users} * power(random(), 2))::int AS u,
        floor(random() * ${clusters})::int AS c,
        g % 100 AS team,
        (ARRAY['get','get','get','list','list','watch','create','update','patch','delete'])[1 + (g / 8) % 10] AS verb,
        (ARRAY['pods','pods','deployments','configmaps','services','secrets','events','jobs'])[1 + g % 8] AS res,
        'team-' || (g % 37) AS ns,
        CASE g % 8 WHEN 0 THEN 'pod' WHEN 1 THEN 'pod' WHEN 2 THEN 'deployment' WHEN 3 THEN 'configmap'
          WHEN 4 THEN 'service' WHEN 5 THEN 'secret' WHEN 6 THEN 'event' ELSE 'job' END
          || '-' || ((g::bigint * 7919) % 100000) AS nm,
        $1::timestamptz + (g * $2::double precision + random() * $2::double precision) * interval '1 millisecond' AS at
      FROM generate_series(${from}, ${to - 1}) AS g
    ) AS r
  ) AS v
) AS built`);
}

interface Sample {
  apiMs: number;
  sqlMs: number;
  items: number;
}

async function timed<T>(run: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await run();
  return [performance.now() - start, value];
}

async function main(): Promise<void> {
  console.log(`machine load (uptime) at start: ${machineLoad()}`);
  const schema = await privateSchema('search');
  const jwks = await startJwks();
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`SET search_path = ${schema.name}; SET maintenance_work_mem = '512MB'`);
  const sql = new RecordingSql(client);
  // AuditStore needs only query and exec of a SqlClient.
  const store = new AuditStore(sql as Partial<SqlClient> as SqlClient);
  let auditor: RunningAuditor | undefined;
  const topic = uniqueName('tether.audit.bench.search.');
  const admin = new Kafka({
    clientId: 'bench-search',
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  try {
    // Load.
    await store.migrate();
    const { rows: indexes } = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname <> 'audit_events_pkey'`,
      [schema.name],
    );
    const trigram = indexes.some((i) => i.indexname === 'audit_events_uri_trgm');
    console.log(`store indexes: ${indexes.map((i) => i.indexname).join(', ')} + primary key`);
    if (!trigram) console.log('no trigram index: pg_trgm is not usable from this schema');
    await client.query('ALTER TABLE audit_events SET UNLOGGED');
    for (const { indexname } of indexes) await client.query(`DROP INDEX ${indexname}`);
    await client.query('ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey');
    const end = Date.now();
    const start = new Date(end - days * 24 * 3600_000);
    const step = (days * 24 * 3600_000) / totalEvents;
    // Two loaders, one per core, taking 50,000-event slices in time order: the heap stays in time
    // order within a few hours, as ingest leaves it.
    const [loadMs] = await timed(async () => {
      const chunk = 50_000;
      let next = 0;
      let loaded = 0;
      const loader = async () => {
        const own = new Client({ connectionString: POSTGRES_URL });
        await own.connect();
        await own.query(`SET search_path = ${schema.name}`);
        try {
          for (let from = next; from < totalEvents; from = next) {
            next += chunk;
            const to = Math.min(totalEvents, from + chunk);
            await own.query(loadChunkSql(from, to), [start.toISOString(), step]);
            loaded += to - from;
            process.stdout.write(`\rloaded ${thousands(loaded)} events`);
          }
        } finally {
          await own.end();
        }
      };
      await Promise.all([loader(), loader()]);
      process.stdout.write('\n');
    });
    const [indexMs] = await timed(async () => {
      await client.query('ALTER TABLE audit_events ADD PRIMARY KEY (audit_id, stage)');
      await store.migrate();
      await client.query('ANALYZE audit_events');
    });
    const { rows: size } = await client.query<{ heap: string; idx: string }>(
      `SELECT pg_size_pretty(pg_table_size('audit_events')) AS heap, pg_size_pretty(pg_indexes_size('audit_events')) AS idx`,
    );
    console.log(
      `loaded ${thousands(totalEvents)} events in ${(loadMs / 1000).toFixed(0)} s, indexes and ANALYZE ${(indexMs / 1000).toFixed(0)} s; table ${size[0]!.heap}, indexes ${size[0]!.idx}`,
    );

    auditor = await startAuditor({
      topic,
      groupId: uniqueName('bench-search-'),
      schema: schema.name,
      jwks,
    });
    const carol = await jwks.minter.mint('carol', ['security-auditors'], 3600);
    const api = async (query: Record<string, string>) => {
      const res = await fetch(`${auditor!.baseUrl}/api/audit/events?${new URLSearchParams(query)}`, {
        headers: { authorization: `Bearer ${carol}` },
      });
      if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { items: AuditEvent[]; nextCursor?: string };
    };
    const direct = (query: Record<string, string>) => {
      const { filters, page } = parseAuditQuery(query);
      return store.search(filters, page);
    };

    // The API answers real events, and the same ones as the store's SQL.
    const since = () => new Date(Date.now() - 24 * 3600_000).toISOString();
    const check = await api({ user: userName(3), cluster: clusterName(4), since: since() });
    for (const e of check.items) parseAuditEvent(e);
    if (check.items.length === 0) throw new Error('user-3 on cluster-04 has no events in the last 24 h');

    const rng = (() => {
      let x = 12345;
      return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    })();
    const pick = (n: number) => Math.floor(rng() * n);
    const busiest = 10;

    type Kind = { name: string; query: () => Record<string, string>; second?: boolean };
    const kinds: Kind[] = [
      {
        name: '**user + cluster + last 24 h, first page (limit 100)**',
        query: () => ({ user: userName(pick(users)), cluster: clusterName(pick(clusters)), since: since() }),
      },
      {
        name: `same, the ${busiest} busiest people only`,
        query: () => ({
          user: userName(pick(busiest)),
          cluster: clusterName(pick(clusters)),
          since: since(),
        }),
      },
      {
        name: `same, busiest people, second page (cursor)`,
        query: () => ({
          user: userName(pick(busiest)),
          cluster: clusterName(pick(clusters)),
          since: since(),
        }),
        second: true,
      },
      {
        name: 'user + cluster + last 24 h + q=exec',
        query: () => ({
          user: userName(pick(busiest)),
          cluster: clusterName(pick(clusters)),
          since: since(),
          q: 'exec',
        }),
      },
      {
        name: 'last 24 h + q=<one object name> (all people, all clusters)',
        query: () => ({ since: since(), q: `pod-${(pick(12_000) * 8 * 7919) % 100000}` }),
      },
      {
        name: 'cluster + last 24 h, first page',
        query: () => ({ cluster: clusterName(pick(clusters)), since: since() }),
      },
    ];

    const results: Array<{ kind: Kind; samples: Sample[]; plan: string[] }> = [];
    for (const kind of kinds) {
      const samples: Sample[] = [];
      const runOnce = async (query: Record<string, string>, measure: boolean) => {
        let q = query;
        if (kind.second) {
          const first = await direct(q);
          if (!first.nextCursor) return;
          q = { ...q, cursor: first.nextCursor };
        }
        // Alternate which goes first, so neither always finds the other's pages in cache.
        const apiFirst = samples.length % 2 === 0;
        let apiMs = 0;
        let sqlMs = 0;
        let items = 0;
        const viaApi = async () => {
          const [ms, page] = await timed(() => api(q));
          apiMs = ms;
          items = page.items.length;
        };
        const viaSql = async () => {
          [sqlMs] = await timed(() => direct(q));
        };
        if (apiFirst) {
          await viaApi();
          await viaSql();
        } else {
          await viaSql();
          await viaApi();
        }
        if (measure) samples.push({ apiMs, sqlMs, items });
      };
      for (let i = 0; i < 10; i++) await runOnce(kind.query(), false);
      for (let i = 0; i < queries; i++) await runOnce(kind.query(), true);
      // The plan of one more, on the store's exact SQL and parameters.
      let q = kind.query();
      if (kind.second) q = { ...q, cursor: (await direct(q)).nextCursor ?? '' };
      await direct(q);
      const last = sql.last!;
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${last.sql}`,
        [...last.params],
      );
      results.push({ kind, samples, plan: rows.map((r) => r['QUERY PLAN']) });
    }

    console.log(
      `\n${thousands(totalEvents)} events over ${days} days, ${users} people, ${clusters} clusters; ${queries} queries per row; machine load now ${machineLoad()}\n`,
    );
    const p = (s: Sample[], q: number, f: (x: Sample) => number) => percentile(s.map(f), q).toFixed(1);
    console.log(
      markdownTable(
        [
          'query',
          'API p50 / p95 / p99 (ms)',
          'SQL p50 / p95 / p99 (ms)',
          'API − SQL p50',
          'items per page (mean)',
          `p95 < ${barP95Ms} ms`,
        ],
        results.map(({ kind, samples }, k) => [
          kind.name,
          `${p(samples, 50, (s) => s.apiMs)} / ${p(samples, 95, (s) => s.apiMs)} / ${p(samples, 99, (s) => s.apiMs)}`,
          `${p(samples, 50, (s) => s.sqlMs)} / ${p(samples, 95, (s) => s.sqlMs)} / ${p(samples, 99, (s) => s.sqlMs)}`,
          `+${(
            percentile(
              samples.map((s) => s.apiMs),
              50,
            ) -
            percentile(
              samples.map((s) => s.sqlMs),
              50,
            )
          ).toFixed(1)} ms`,
          (samples.reduce((sum, s) => sum + s.items, 0) / samples.length).toFixed(0),
          k === 0
            ? percentile(
                samples.map((s) => s.apiMs),
                95,
              ) < barP95Ms
              ? 'yes'
              : '**no**'
            : '—',
        ]),
      ),
    );
    for (const { kind, plan } of results) {
      const execution = plan.find((line) => line.startsWith('Execution Time')) ?? '';
      const nodes = plan
        .filter((line) => /->|^\S/.test(line.trim()) && /\(cost=/.test(line))
        .map((line) => line.replace(/\s+\(cost=.*$/, '').replace(/^\s*->\s*/, ''));
      console.log(`\nplan, ${kind.name.replaceAll('*', '')}: ${nodes.join(' ← ')}; ${execution}`);
    }
    console.log(`\nfull plan of the bar's query:\n${results[0]!.plan.join('\n')}`);
    console.log(`\nmachine load (uptime) at end: ${machineLoad()}`);
  } finally {
    await auditor?.node.stop();
    await sql.close().catch(() => undefined);
    await schema.drop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await jwks.close();
  }
}

runBench(main);

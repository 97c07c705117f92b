import { SPDY_EXEC, startStreamCluster, type StreamCluster } from './stream-cluster.js';

// kubectl attach meets the container's main process, which echoes stdin lines (README.md).
describe.each([
  ['WebSocket', {}, 'GET'],
  ['SPDY/3.1', SPDY_EXEC, 'POST'],
])('kubectl attach over %s', (_transport, env: Record<string, string>, method) => {
  let cluster: StreamCluster;

  beforeAll(async () => {
    cluster = await startStreamCluster();
  });
  afterAll(() => cluster.stop());

  it('attach -i echoes each stdin line and ends cleanly when stdin closes', async () => {
    const result = await cluster.kubectl.run(['attach', '-i', 'api-1', '-c', 'api'], {
      env,
      stdin: 'hello main process\nsecond line\n',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hello main process\nsecond line\n');
    const attach = cluster.sim.requests.filter((request) => request.path.includes('/pods/api-1/attach'));
    expect(attach.map((request) => [request.method, request.statusCode])).toEqual([[method, 101]]);
  });
});

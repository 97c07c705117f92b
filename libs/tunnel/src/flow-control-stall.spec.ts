import { connectAgent, eventually, readAll, startBroker } from './testing/tunnel-harness.js';
import type { Agent, Broker } from './testing/tunnel-harness.js';

const window = 64 * 1024;

describe('flow-control stall hook', () => {
  let broker: Broker;
  let agent: Agent;
  let brokerStalls = 0;
  let agentStalls = 0;

  beforeAll(async () => {
    broker = await startBroker({
      session: { initialWindow: window, maxWindow: window },
      onFlowControlStall: () => brokerStalls++,
    });
    agent = await connectAgent(broker, 'dev-east', {
      session: { initialWindow: window, maxWindow: window },
      onFlowControlStall: () => agentStalls++,
    });
  });

  afterAll(async () => {
    await agent.client.close(0);
    await broker.close();
  });

  it('counts nothing while every write fits the credit', async () => {
    const before = brokerStalls;
    const stream = broker.server.openStream('dev-east', {});
    const remote = await agent.inbox.next();
    stream.end(Buffer.alloc(1000, 7));
    expect((await readAll(remote)).length).toBe(1000);
    remote.end();
    await readAll(stream);
    expect(brokerStalls).toBe(before);
  });

  it('counts the sender that waits for a reader who stopped, on the sending side only', async () => {
    const stream = broker.server.openStream('dev-east', {});
    const remote = await agent.inbox.next();
    remote.pause();
    stream.write(Buffer.alloc(3 * window, 1));
    await eventually(() => brokerStalls > 0, 'the broker side to run out of credit');
    const stalls = brokerStalls;
    // Still waiting, not stalling again: one stall per wait.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(brokerStalls).toBe(stalls);
    remote.resume();
    stream.end();
    expect((await readAll(remote)).length).toBe(3 * window);
    expect(agentStalls).toBe(0);
    remote.end();
    await readAll(stream);
  });
});

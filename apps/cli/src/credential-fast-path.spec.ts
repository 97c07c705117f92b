import { parseCredentialArgs } from './credential-fast-path.js';

describe("kubectl's exec plugin call, recognised without the full parser", () => {
  it('takes exactly what kube login writes, in either order', () => {
    expect(parseCredentialArgs(['kube', 'credential', 'dev-east'])).toEqual({ cluster: 'dev-east' });
    expect(parseCredentialArgs(['kube', 'credential', 'dev-east', '--broker', 'https://b'])).toEqual({
      cluster: 'dev-east',
      broker: 'https://b',
    });
    expect(parseCredentialArgs(['kube', 'credential', '--broker=https://b', 'dev-east'])).toEqual({
      cluster: 'dev-east',
      broker: 'https://b',
    });
  });

  it('leaves everything else to the regular parser and its usage errors', () => {
    for (const argv of [
      ['kube', 'credential'],
      ['kube', 'credential', '--help'],
      ['kube', 'credential', 'a', 'b'],
      ['kube', 'credential', 'a', '--broker'],
      ['kube', 'credential', 'a', '--broker', '--help'],
      ['kube', 'credential', 'a', '--brokr', 'x'],
      ['kube', 'ls'],
      ['login'],
    ]) {
      expect(parseCredentialArgs(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

import { delimiter } from 'node:path';
import { kubeconfigWritePath } from './kubeconfig-target.js';

describe('which kubeconfig file kube login writes, as kubectl would', () => {
  const none = () => false;

  it('uses --kubeconfig over everything', () => {
    expect(kubeconfigWritePath('/tmp/explicit', `/a${delimiter}/b`, '/home/me', none)).toBe('/tmp/explicit');
  });

  it('uses a single $KUBECONFIG path even when it does not exist yet', () => {
    expect(kubeconfigWritePath(undefined, '/tmp/only', '/home/me', none)).toBe('/tmp/only');
  });

  it('with several $KUBECONFIG paths, writes to the first that exists', () => {
    const exists = (path: string) => path === '/b' || path === '/c';
    expect(kubeconfigWritePath(undefined, `/a${delimiter}/b${delimiter}/c`, '/home/me', exists)).toBe('/b');
  });

  it('with several $KUBECONFIG paths and none existing, writes to the last', () => {
    expect(kubeconfigWritePath(undefined, `/a${delimiter}${delimiter}/b`, '/home/me', none)).toBe('/b');
  });

  it('falls back to ~/.kube/config', () => {
    expect(kubeconfigWritePath(undefined, undefined, '/home/me', none)).toBe('/home/me/.kube/config');
  });
});

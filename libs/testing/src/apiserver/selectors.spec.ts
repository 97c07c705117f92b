import { ApiError } from './api-error.js';
import type { KubeObject } from './kube-object.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

const pod = (name: string, labels: Record<string, string>, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'web', labels },
  status: { phase },
});

describe('label and field selectors', () => {
  const pods = [pod('a', { app: 'web', tier: 'front' }), pod('b', { app: 'api' }, 'Pending'), pod('c', {})];
  const names = (predicate: (object: KubeObject) => boolean) =>
    pods.filter(predicate).map((p) => p.metadata.name);

  it('supports equality, inequality, set and existence requirements', () => {
    expect(names(parseLabelSelector('app=web'))).toEqual(['a']);
    expect(names(parseLabelSelector('app!=web'))).toEqual(['b', 'c']);
    expect(names(parseLabelSelector('app in (web, api),!tier'))).toEqual(['b']);
    expect(names(parseLabelSelector('app notin (web)'))).toEqual(['b', 'c']);
    expect(names(parseLabelSelector('tier'))).toEqual(['a']);
  });

  it('matches the fields the API server indexes and refuses others with a 400', () => {
    expect(names(parseFieldSelector('status.phase=Pending', 'Pod'))).toEqual(['b']);
    expect(names(parseFieldSelector('metadata.name!=a,metadata.namespace=web', 'Pod'))).toEqual(['b', 'c']);
    expect(() => parseFieldSelector('spec.image=x', 'Pod')).toThrow(ApiError);
    try {
      parseFieldSelector('spec.image=x', 'Pod');
    } catch (error) {
      expect((error as ApiError).status).toMatchObject({
        code: 400,
        message: 'field label not supported: spec.image',
      });
    }
  });

  it('rejects a malformed label selector instead of matching everything', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(ApiError);
  });
});

import { randomInt } from 'node:crypto';
import { ProxyTargetError, parseProxyTarget } from './proxy-target.js';

function codeOf(target: string): string {
  try {
    parseProxyTarget(target);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyTargetError);
    return (error as ProxyTargetError).code;
  }
}

describe('parseProxyTarget', () => {
  it.each([
    [
      '/k8s/dev-east/api/v1/namespaces/web/pods?limit=500',
      'dev-east',
      '/api/v1/namespaces/web/pods',
      'limit=500',
    ],
    ['/k8s/dev-east/version', 'dev-east', '/version', ''],
    ['/k8s/dev-east', 'dev-east', '/', ''],
    ['/k8s/dev-east/', 'dev-east', '/', ''],
    [
      '/k8s/prod/api/v1/namespaces/web/pods/api-1/exec?command=sh&command=-c&command=exit%203&stdin=true',
      'prod',
      '/api/v1/namespaces/web/pods/api-1/exec',
      'command=sh&command=-c&command=exit%203&stdin=true',
    ],
    [
      '/k8s/a/api/v1/pods?labelSelector=app%3Dweb%2Ctier%20in%20(a)',
      'a',
      '/api/v1/pods',
      'labelSelector=app%3Dweb%2Ctier%20in%20(a)',
    ],
    [
      '/k8s/a/api/v1/namespaces/x/services/web:80/proxy/',
      'a',
      '/api/v1/namespaces/x/services/web:80/proxy/',
      '',
    ],
  ])('reads %s', (target, cluster, path, query) => {
    const parsed = parseProxyTarget(target);
    expect(parsed).toEqual({ cluster, path, query, pathAndQuery: query ? `${path}?${query}` : path });
  });

  it.each([
    ['/k8s/a/../b/api/v1/secrets', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api/v1/namespaces/../../b', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/./api', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/%2e%2e/b/api', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/%2E%2E/b', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%2Fv1/secrets', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%2fv1', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%5cv1', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%252fv1', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%00', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%zz', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api%', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api\\..\\b', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a//api/v1', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api/v1#frag', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api/v1\r\nImpersonate-User: admin', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api/v1?x=\0', 'TARGET_UNSAFE_PATH'],
    ['/k8s/a/api/ü', 'TARGET_UNSAFE_PATH'],
    ['https://evil.example/k8s/a/api', 'TARGET_NOT_ORIGIN_FORM'],
    ['//evil.example/k8s/a/api', 'TARGET_NOT_ORIGIN_FORM'],
    ['*', 'TARGET_NOT_ORIGIN_FORM'],
    ['/api/v1/pods', 'TARGET_NOT_KUBE_PATH'],
    ['/k8s', 'TARGET_NOT_KUBE_PATH'],
    ['/k8s/', 'TARGET_BAD_CLUSTER'],
    ['/k8s/%2e%2e/api', 'TARGET_BAD_CLUSTER'],
    ['/k8s/..', 'TARGET_BAD_CLUSTER'],
    ['/k8s/Prod/api', 'TARGET_BAD_CLUSTER'],
    ['/k8s/a;b/api', 'TARGET_BAD_CLUSTER'],
    ['/k8s/-a/api', 'TARGET_BAD_CLUSTER'],
  ])('refuses %s', (target, code) => {
    expect(codeOf(target)).toBe(code);
  });

  it('survives fuzzing: whatever it accepts, no URL parser reads a different cluster or path', () => {
    const alphabet = [
      '/',
      '.',
      '..',
      '%2e',
      '%2f',
      '%5c',
      '%25',
      '%',
      'a',
      'k8s',
      'api',
      '?',
      '#',
      '\\',
      ';',
      ':',
      '@',
      '%00',
      ' ',
      '-',
      'v1',
    ];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let target = '/k8s/';
      const length = randomInt(1, 12);
      for (let j = 0; j < length; j++) target += alphabet[randomInt(alphabet.length)];
      let parsed;
      try {
        parsed = parseProxyTarget(target);
      } catch (error) {
        expect(error).toBeInstanceOf(ProxyTargetError);
        continue;
      }
      accepted++;
      // A WHATWG URL parser normalises dot segments and backslashes; it must leave this path alone.
      const originalPath = target.split('?')[0] as string;
      expect(new URL(target, 'https://broker.example').pathname).toBe(originalPath);
      const rebuilt =
        originalPath === `/k8s/${parsed.cluster}` ? originalPath : `/k8s/${parsed.cluster}${parsed.path}`;
      expect(rebuilt).toBe(originalPath);
      expect(decodeURIComponent(parsed.path).split('/')).not.toContain('..');
      expect(parsed.path.toLowerCase()).not.toMatch(/%2f|%5c|%2e|%25/);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

import { requestAttributesFromUrl, type RequestAttributes } from './request-attributes.js';
import { RequestUrlError } from './request-url-error.js';

type Expected = Pick<
  RequestAttributes,
  | 'verb'
  | 'apiPrefix'
  | 'apiGroup'
  | 'apiVersion'
  | 'namespace'
  | 'resource'
  | 'subresource'
  | 'name'
  | 'parts'
>;

function row(
  method: string,
  url: string,
  verb: string,
  apiPrefix: string,
  apiGroup: string,
  apiVersion: string,
  namespace: string,
  resource: string,
  subresource: string,
  name: string,
  parts: string[],
): [string, string, Expected] {
  return [
    method,
    url,
    { verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts },
  ];
}

describe('requestAttributesFromUrl', () => {
  describe('resource requests (the cases of requestinfo_test.go)', () => {
    it.each([
      row('GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']),
      row('GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', [
        'namespaces',
        'other',
      ]),
      row('GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', [
        'pods',
        'foo',
      ]),
      row('HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', [
        'pods',
        'foo',
      ]),
      row('GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/nodes/n1', 'get', 'api', '', 'v1', '', 'nodes', '', 'n1', ['nodes', 'n1']),
      // special verbs in the path (the legacy forms)
      row(
        'GET',
        '/api/v1/proxy/namespaces/other/pods/foo',
        'proxy',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo'],
      ),
      row(
        'GET',
        '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
        'proxy',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo', 'subpath', 'not', 'a', 'subresource'],
      ),
      row('GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', [
        'pods',
      ]),
      row(
        'GET',
        '/api/v1/watch/namespaces/other/pods/foo',
        'watch',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo'],
      ),
      row('POST', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      // watch as a query parameter: anything but 0/false (any case) is true, even an empty value
      row('GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch=FALSE', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', [
        'pods',
      ]),
      row('GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', '', [
        'pods',
      ]),
      row('GET', '/api/v1/pods?watch=', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch=yes', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch=0&watch=1', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods?watch=%74rue', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      // a `;` pair is dropped by Go's query parser, so this is a plain list
      row('GET', '/api/v1/pods?watch=1;x=y', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/pods/foo?watch=1', 'get', 'api', '', 'v1', '', 'pods', '', 'foo', ['pods', 'foo']),
      // subresources
      row(
        'GET',
        '/api/v1/namespaces/other/pods/foo/status',
        'get',
        'api',
        '',
        'v1',
        'other',
        'pods',
        'status',
        'foo',
        ['pods', 'foo', 'status'],
      ),
      row(
        'GET',
        '/api/v1/namespaces/other/pods/foo/proxy/subpath',
        'get',
        'api',
        '',
        'v1',
        'other',
        'pods',
        'proxy',
        'foo',
        ['pods', 'foo', 'proxy', 'subpath'],
      ),
      row('GET', '/api/v1/namespaces/ns/pods/p/log', 'get', 'api', '', 'v1', 'ns', 'pods', 'log', 'p', [
        'pods',
        'p',
        'log',
      ]),
      row('POST', '/api/v1/namespaces/ns/pods/p/exec', 'create', 'api', '', 'v1', 'ns', 'pods', 'exec', 'p', [
        'pods',
        'p',
        'exec',
      ]),
      row(
        'GET',
        '/api/v1/namespaces/ns/pods/p/portforward',
        'get',
        'api',
        '',
        'v1',
        'ns',
        'pods',
        'portforward',
        'p',
        ['pods', 'p', 'portforward'],
      ),
      // the namespaces special case: status and finalize are subresources of the namespace itself
      row(
        'PUT',
        '/api/v1/namespaces/other/finalize',
        'update',
        'api',
        '',
        'v1',
        'other',
        'namespaces',
        'finalize',
        'other',
        ['namespaces', 'other', 'finalize'],
      ),
      row(
        'PUT',
        '/api/v1/namespaces/other/status',
        'update',
        'api',
        '',
        'v1',
        'other',
        'namespaces',
        'status',
        'other',
        ['namespaces', 'other', 'status'],
      ),
      row('GET', '/api/v1/namespaces/status', 'get', 'api', '', 'v1', 'status', 'namespaces', '', 'status', [
        'namespaces',
        'status',
      ]),
      // verbs
      row(
        'PATCH',
        '/api/v1/namespaces/other/pods/foo',
        'patch',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo'],
      ),
      row('PUT', '/api/v1/namespaces/other/pods/foo', 'update', 'api', '', 'v1', 'other', 'pods', '', 'foo', [
        'pods',
        'foo',
      ]),
      row(
        'DELETE',
        '/api/v1/namespaces/other/pods/foo',
        'delete',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo'],
      ),
      row('POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', [
        'pods',
      ]),
      row('OPTIONS', '/api/v1/pods/foo', '', 'api', '', 'v1', '', 'pods', '', 'foo', ['pods', 'foo']),
      row('constructor', '/api/v1/pods/foo', '', 'api', '', 'v1', '', 'pods', '', 'foo', ['pods', 'foo']),
      row('__proto__', '/api/v1/pods/foo', '', 'api', '', 'v1', '', 'pods', '', 'foo', ['pods', 'foo']),
      row('get', '/api/v1/pods/foo', '', 'api', '', 'v1', '', 'pods', '', 'foo', ['pods', 'foo']),
      // deletecollection
      row('DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']),
      row('DELETE', '/api/v1/namespaces', 'deletecollection', 'api', '', 'v1', '', 'namespaces', '', '', [
        'namespaces',
      ]),
      row(
        'DELETE',
        '/api/v1/namespaces/other/pods',
        'deletecollection',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        '',
        ['pods'],
      ),
      row(
        'DELETE',
        '/apis/extensions/v1/namespaces/other/pods',
        'deletecollection',
        'apis',
        'extensions',
        'v1',
        'other',
        'pods',
        '',
        '',
        ['pods'],
      ),
      // a field selector does not name the object of a delete: it stays a deletecollection
      row(
        'DELETE',
        '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=p',
        'deletecollection',
        'api',
        '',
        'v1',
        'ns',
        'pods',
        '',
        '',
        ['pods'],
      ),
      // API groups and versions
      row(
        'POST',
        '/apis/extensions/v1/namespaces/other/pods',
        'create',
        'apis',
        'extensions',
        'v1',
        'other',
        'pods',
        '',
        '',
        ['pods'],
      ),
      row(
        'POST',
        '/apis/extensions/v1beta3/namespaces/other/pods',
        'create',
        'apis',
        'extensions',
        'v1beta3',
        'other',
        'pods',
        '',
        '',
        ['pods'],
      ),
      row(
        'GET',
        '/apis/apps/v1/namespaces/ns/deployments/web/scale',
        'get',
        'apis',
        'apps',
        'v1',
        'ns',
        'deployments',
        'scale',
        'web',
        ['deployments', 'web', 'scale'],
      ),
      row(
        'GET',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        'list',
        'apis',
        'rbac.authorization.k8s.io',
        'v1',
        '',
        'clusterroles',
        '',
        '',
        ['clusterroles'],
      ),
      row('GET', '/apis/batch/v1/job', 'list', 'apis', 'batch', 'v1', '', 'job', '', '', ['job']),
      row('GET', '/apis/batch/v1/job/foo/scale', 'get', 'apis', 'batch', 'v1', '', 'job', 'scale', 'foo', [
        'job',
        'foo',
        'scale',
      ]),
      // trailing and repeated leading slashes are trimmed; empty inner segments are kept, as in Go
      row('GET', '//api/v1/pods/', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      row('GET', '/api/v1/namespaces//pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']),
      // an absolute-form request target is judged by its path, like Go's ParseRequestURI
      row(
        'GET',
        'https://evil.example/api/v1/namespaces/kube-system/secrets',
        'list',
        'api',
        '',
        'v1',
        'kube-system',
        'secrets',
        '',
        '',
        ['secrets'],
      ),
    ])('%s %s', (method, url, expected) => {
      const attrs = requestAttributesFromUrl(method, url);
      expect(attrs.isResourceRequest).toBe(true);
      expect(attrs).toMatchObject(expected);
    });
  });

  describe('fieldSelector=metadata.name names the object of a list or watch', () => {
    it.each([
      ['/apis/g/v1/things', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name%3Dname1', 'list', 'name1'],
      ['/apis/g/v1/things?fieldSelector=metadata.name=name1', 'list', 'name1'],
      ['/apis/g/v1/things?fieldSelector=metadata.name==name1', 'list', 'name1'],
      ['/apis/g/v1/things?watch=true&fieldSelector=metadata.name=name1', 'watch', 'name1'],
      ['/api/v1/watch/namespaces/ns/pods?fieldSelector=metadata.name=p', 'watch', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name!=name1', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=foo=bar', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=name1,spec.nodeName=n', 'list', 'name1'],
      ['/apis/g/v1/things?fieldSelector=spec.nodeName=n,metadata.name=name1', 'list', 'name1'],
      // terms are sorted before matching, as in fields.ParseSelector
      ['/apis/g/v1/things?fieldSelector=metadata.name=b,metadata.name=a', 'list', 'a'],
      ['/apis/g/v1/things?fieldSelector=metadata.name=name1,foo', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=a=b', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=a%5C%3Db', 'list', 'a=b'],
      ['/apis/g/v1/things?fieldSelector=metadata.name=a%5C', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=name%2F1', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=name%251', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=..', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=a&fieldSelector=metadata.name=b', 'list', 'a'],
      // list options that fail to decode drop the name but keep the watch
      ['/apis/g/v1/things?watch=1&fieldSelector=metadata.name=n&timeoutSeconds=abc', 'watch', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=n&limit=99999999999999999999', 'list', ''],
      ['/apis/g/v1/things?fieldSelector=metadata.name=n&limit=500&timeoutSeconds=30', 'list', 'n'],
    ])('GET %s → %s %j', (url, verb, name) => {
      expect(requestAttributesFromUrl('GET', url)).toMatchObject({ verb, name });
    });
  });

  describe('non-resource requests: verb is the lower-case method, path is matched as is', () => {
    it.each([
      ['GET', '/version', 'get', '', '/version'],
      ['GET', '/healthz', 'get', '', '/healthz'],
      ['GET', '/healthz/etcd', 'get', '', '/healthz/etcd'],
      ['GET', '/apis', 'get', '', '/apis'],
      ['GET', '/api', 'get', '', '/api'],
      ['GET', '/api/v1', 'get', '', '/api/v1'],
      ['GET', '/api/v1/', 'get', '', '/api/v1/'],
      ['GET', '/apis/apps', 'get', '', '/apis/apps'],
      // the API prefix is recorded before Go gives up, so it shows here too
      ['GET', '/apis/apps/v1', 'get', 'apis', '/apis/apps/v1'],
      ['GET', '/apis/extensions/v1beta1/', 'get', 'apis', '/apis/extensions/v1beta1/'],
      ['GET', '/openapi/v3', 'get', '', '/openapi/v3'],
      ['GET', '/openapi/v3/apis/apps/v1?hash=abc', 'get', '', '/openapi/v3/apis/apps/v1'],
      ['GET', '/openapi/v2', 'get', '', '/openapi/v2'],
      ['HEAD', '/livez', 'head', '', '/livez'],
      ['POST', '/logs', 'post', '', '/logs'],
      ['GET', '/', 'get', '', '/'],
      ['GET', '/not/a/api/path', 'get', '', '/not/a/api/path'],
      ['GET', '/badprefix/version/resource', 'get', '', '/badprefix/version/resource'],
      ['GET', '/apis/version/resource', 'get', 'apis', '/apis/version/resource'],
      ['GET', '/API/v1/pods', 'get', '', '/API/v1/pods'],
      ['GET', '*', 'get', '', '*'],
      ['GET', 'http:opaque', 'get', '', ''],
    ])('%s %j', (method, url, verb, apiPrefix, path) => {
      const attrs = requestAttributesFromUrl(method, url);
      expect(attrs).toEqual({
        isResourceRequest: false,
        path,
        verb,
        apiPrefix,
        apiGroup: '',
        apiVersion: '',
        namespace: '',
        resource: '',
        subresource: '',
        name: '',
        parts: [],
      });
    });
  });

  describe('percent-decoding: the path is decoded once, then split, as Go does', () => {
    it('decodes each segment', () => {
      expect(requestAttributesFromUrl('GET', '/api/v1/namespaces/d%65fault/pods/w%C3%A9b')).toMatchObject({
        namespace: 'default',
        resource: 'pods',
        name: 'wéb',
        path: '/api/v1/namespaces/default/pods/wéb',
      });
    });

    it('splits on an encoded slash, so a name cannot smuggle a subresource past the authorizer', () => {
      expect(requestAttributesFromUrl('POST', '/api/v1/namespaces/ns/pods/p%2Fexec')).toMatchObject({
        resource: 'pods',
        name: 'p',
        subresource: 'exec',
        verb: 'create',
      });
    });

    it('decodes the prefix too, so an encoded /api is still a resource request', () => {
      expect(requestAttributesFromUrl('GET', '/%61pi/v1/secrets')).toMatchObject({
        isResourceRequest: true,
        resource: 'secrets',
        verb: 'list',
      });
    });

    it('keeps a plus sign in the path (only the query decodes + as space)', () => {
      expect(requestAttributesFromUrl('GET', '/api/v1/namespaces/ns/configmaps/a+b').name).toBe('a+b');
    });

    it('does not decode twice', () => {
      expect(requestAttributesFromUrl('GET', '/api/v1/namespaces/ns/pods/p%252Fexec')).toMatchObject({
        name: 'p%2Fexec',
        subresource: '',
      });
    });

    it('cuts the query at the first question mark only', () => {
      expect(requestAttributesFromUrl('GET', '/api/v1/pods?watch=1?x')).toMatchObject({ verb: 'watch' });
      expect(requestAttributesFromUrl('GET', '/api/v1/pods/a%3Fb')).toMatchObject({ name: 'a?b' });
    });
  });

  describe('garbage is refused with a typed error, never a crash', () => {
    it.each([
      ['/api/v1/pods/%zz', 'MALFORMED_URL'],
      ['/api/v1/pods/%4', 'MALFORMED_URL'],
      ['/api/v1/pods/%', 'MALFORMED_URL'],
      ['/api/v1/pods/%ff', 'MALFORMED_URL'],
      ['/api/v1/pods/%C3', 'MALFORMED_URL'],
      ['/api/v1/pods/a\u0000b', 'MALFORMED_URL'],
      ['/api/v1/pods\r\nX-Evil: 1', 'MALFORMED_URL'],
      ['', 'MALFORMED_URL'],
      ['api/v1/pods', 'MALFORMED_URL'],
      ['1http://x/api/v1/pods', 'MALFORMED_URL'],
      ['/api/v1/watch', 'MISSING_RESOURCE'],
      ['/api/v1/proxy/', 'MISSING_RESOURCE'],
      ['/apis/apps/v1/watch', 'MISSING_RESOURCE'],
    ])('%j → %s', (url, code) => {
      let caught: unknown;
      try {
        requestAttributesFromUrl('GET', url);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RequestUrlError);
      expect((caught as RequestUrlError).code).toBe(code);
    });

    it('a malformed query pair is skipped, not fatal', () => {
      expect(requestAttributesFromUrl('GET', '/api/v1/pods?watch=%zz&x=%')).toMatchObject({ verb: 'list' });
      expect(requestAttributesFromUrl('GET', '/api/v1/pods?%zz=1&watch=1')).toMatchObject({ verb: 'watch' });
    });

    it('survives random bytes', () => {
      const alphabet = [
        '/',
        '%',
        'a',
        'p',
        'i',
        'v',
        '1',
        '?',
        '=',
        '&',
        ';',
        'é',
        '\u{1F600}',
        '.',
        'watch',
        'namespaces',
      ];
      let seed = 42;
      const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      for (let n = 0; n < 2000; n++) {
        let url = '/';
        const length = next() % 30;
        for (let i = 0; i < length; i++) url += alphabet[next() % alphabet.length];
        try {
          const attrs = requestAttributesFromUrl('GET', url);
          expect(typeof attrs.verb).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(RequestUrlError);
        }
      }
    });
  });
});

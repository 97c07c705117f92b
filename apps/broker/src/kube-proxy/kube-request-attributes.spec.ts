import { kubeRequestAttributes } from './kube-request-attributes';

describe('kubeRequestAttributes', () => {
  it.each([
    ['GET', '/api/v1/namespaces/web/pods/api-1/exec?command=sh&stdin=true'],
    ['POST', '/api/v1/namespaces/web/pods/api-1/exec?command=sh'],
    ['GET', '/api/v1/namespaces/web/pods/api-1/attach?stdin=true'],
    ['GET', '/api/v1/namespaces/web/pods/api-1/portforward?ports=8080'],
  ])('treats %s %s as create, so read-only access cannot open a shell or a socket', (method, target) => {
    expect(kubeRequestAttributes(method, target)).toMatchObject({
      verb: 'create',
      resource: 'pods',
      namespace: 'web',
      name: 'api-1',
    });
  });

  it('leaves reads as the API server derives them', () => {
    expect(kubeRequestAttributes('GET', '/api/v1/namespaces/web/pods/api-1/log?follow=true')).toMatchObject({
      verb: 'get',
      subresource: 'log',
    });
    expect(kubeRequestAttributes('GET', '/api/v1/namespaces/web/pods?watch=1')).toMatchObject({
      verb: 'watch',
    });
    expect(kubeRequestAttributes('DELETE', '/api/v1/namespaces/web/pods')).toMatchObject({
      verb: 'deletecollection',
    });
  });
});

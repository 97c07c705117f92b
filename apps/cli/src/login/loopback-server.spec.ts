import { get } from 'node:http';
import { startLoopbackReceiver } from './loopback-server.js';
import { createPkce, createState, s256Challenge } from './pkce.js';

function visit(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('PKCE and state', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes a fresh 43-character verifier and state for every login', () => {
    const a = createPkce();
    const b = createPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).toBe(s256Challenge(a.verifier));
    expect(createState()).not.toBe(createState());
  });
});

describe('the loopback redirect receiver', () => {
  it('listens on 127.0.0.1 and accepts the code only with the matching state', async () => {
    const receiver = await startLoopbackReceiver('the-state');
    expect(receiver.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const forged = await visit(`${receiver.redirectUri}?code=evil&state=other`);
    expect(forged.status).toBe(400);
    const missing = await visit(`${receiver.redirectUri}?code=evil`);
    expect(missing.status).toBe(400);

    const real = await visit(`${receiver.redirectUri}?code=good&state=the-state`);
    expect(real.status).toBe(200);
    expect(real.body).toContain('You are signed in');
    await expect(receiver.code).resolves.toBe('good');
  });

  it("reports the IdP's error text when the sign-in was refused", async () => {
    const receiver = await startLoopbackReceiver('s1');
    await visit(
      `${receiver.redirectUri}?error=access_denied&error_description=${encodeURIComponent('MFA <required>')}&state=s1`,
    );
    await expect(receiver.code).rejects.toMatchObject({
      code: 'idp_error',
      message: 'sign-in failed: access_denied: MFA <required>',
    });
  });

  it('escapes what it echoes back into the page', async () => {
    const receiver = await startLoopbackReceiver('s2');
    const page = await visit(
      `${receiver.redirectUri}?error=x&error_description=${encodeURIComponent('<script>')}&state=s2`,
    );
    expect(page.body).not.toContain('<script>');
    await expect(receiver.code).rejects.toMatchObject({ code: 'idp_error' });
  });

  it('gives up with a clear message when nobody signs in in time', async () => {
    const receiver = await startLoopbackReceiver('s3', 50);
    await expect(receiver.code).rejects.toMatchObject({ code: 'login_timeout' });
  });
});

// Client-server accounts over real HTTP: registration (UIA with m.login.dummy, disabled by default,
// shared-secret admin registration), password login, whoami, logout, and the token errors.
import { Homeserver } from '../../src/homeserver';
import { registrationMac } from '../../src/client-api/shared-secret-registration';
import { startTestHomeserver } from '../../src/testing';
import { MatrixClient } from './support/matrix-client';

let hs: Homeserver;
afterEach(async () => hs.stop());

describe('open registration', () => {
  beforeEach(async () => {
    hs = await startTestHomeserver('hs.test', { enableRegistration: true });
  });

  test('a request without auth gets the m.login.dummy flow and a session; completing it logs in', async () => {
    const client = MatrixClient.of(hs);
    const first = await client.request('POST', '/_matrix/client/v3/register', { username: 'alice', password: 'pw' });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ['m.login.dummy'] }]);
    expect(typeof first.body.session).toBe('string');
    const done = await client.request('POST', '/_matrix/client/v3/register', { username: 'alice', password: 'pw', auth: { type: 'm.login.dummy', session: first.body.session } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ user_id: '@alice:hs.test', home_server: 'hs.test' });
    const who = await client.request('GET', '/_matrix/client/v3/account/whoami', undefined, done.body.access_token);
    expect(who.body).toMatchObject({ user_id: '@alice:hs.test', device_id: done.body.device_id });
  });

  test('taken and malformed usernames, unknown sessions and auth types are refused with their errcodes', async () => {
    const client = await MatrixClient.of(hs).register('bob');
    expect((await client.request('POST', '/_matrix/client/v3/register', { username: 'bob', password: 'x', auth: { type: 'm.login.dummy' } })).body.errcode).toBe('M_USER_IN_USE');
    expect((await client.request('GET', '/_matrix/client/v3/register/available?username=bob')).body.errcode).toBe('M_USER_IN_USE');
    expect((await client.request('GET', '/_matrix/client/v3/register/available?username=carol')).body).toEqual({ available: true });
    expect((await client.request('POST', '/_matrix/client/v3/register', { username: 'Bad Name', password: 'x', auth: { type: 'm.login.dummy' } })).body.errcode).toBe('M_INVALID_USERNAME');
    const unknownSession = await client.request('POST', '/_matrix/client/v3/register', { username: 'carol', password: 'x', auth: { type: 'm.login.dummy', session: 'nope' } });
    expect(unknownSession.status).toBe(401);
    const wrongType = await client.request('POST', '/_matrix/client/v3/register', { username: 'carol', password: 'x', auth: { type: 'm.login.recaptcha' } });
    expect(wrongType).toMatchObject({ status: 400, body: { errcode: 'M_UNRECOGNIZED' } });
    expect(hs.storage.users.get('@carol:hs.test')).toBeUndefined();
  });

  test('password login works with the localpart or the full ID; a wrong password is 403; logout kills the token', async () => {
    await MatrixClient.of(hs).register('dave', 'secret');
    const anon = MatrixClient.of(hs);
    expect((await anon.request('GET', '/_matrix/client/v3/login')).body.flows).toEqual([{ type: 'm.login.password' }]);
    const byLocalpart = await anon.request('POST', '/_matrix/client/v3/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'dave' }, password: 'secret' });
    expect(byLocalpart.body.user_id).toBe('@dave:hs.test');
    const byId = await anon.request('POST', '/_matrix/client/v3/login', { type: 'm.login.password', user: '@dave:hs.test', password: 'secret' });
    expect(byId.status).toBe(200);
    const wrong = await anon.request('POST', '/_matrix/client/v3/login', { type: 'm.login.password', user: 'dave', password: 'guess' });
    expect(wrong).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    const nobody = await anon.request('POST', '/_matrix/client/v3/login', { type: 'm.login.password', user: 'nobody', password: 'guess' });
    expect(nobody).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN', error: wrong.body.error } });

    const token = byId.body.access_token as string;
    expect((await anon.request('POST', '/_matrix/client/v3/logout', {}, token)).status).toBe(200);
    expect(await anon.request('GET', '/_matrix/client/v3/account/whoami', undefined, token)).toMatchObject({ status: 401, body: { errcode: 'M_UNKNOWN_TOKEN' } });
    // The other session is untouched.
    expect((await anon.request('GET', '/_matrix/client/v3/account/whoami', undefined, byLocalpart.body.access_token)).status).toBe(200);
  });

  test('no token is 401 M_MISSING_TOKEN; a made-up one 401 M_UNKNOWN_TOKEN', async () => {
    const anon = MatrixClient.of(hs);
    expect(await anon.request('POST', '/_matrix/client/v3/createRoom', {})).toMatchObject({ status: 401, body: { errcode: 'M_MISSING_TOKEN' } });
    expect(await anon.request('POST', '/_matrix/client/v3/createRoom', {}, 'dgm_made_up')).toMatchObject({ status: 401, body: { errcode: 'M_UNKNOWN_TOKEN' } });
  });
});

describe('registration off (the default)', () => {
  beforeEach(async () => {
    hs = await startTestHomeserver('hs.test', { registrationSharedSecret: 's3cret' });
  });

  test('open registration is 403 M_FORBIDDEN and creates nothing', async () => {
    const reply = await MatrixClient.of(hs).request('POST', '/_matrix/client/v3/register', { username: 'eve', password: 'x', auth: { type: 'm.login.dummy' } });
    expect(reply).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(hs.storage.users.get('@eve:hs.test')).toBeUndefined();
  });

  test('shared-secret registration (Synapse admin shape): a right MAC registers once per nonce, a wrong one does not', async () => {
    const client = MatrixClient.of(hs);
    const { nonce } = (await client.request('GET', '/_synapse/admin/v1/register')).body;
    const wrong = await client.request('POST', '/_synapse/admin/v1/register', { nonce, username: 'frank', password: 'pw', admin: false, mac: registrationMac('other', nonce, 'frank', 'pw', false) });
    expect(wrong.status).toBe(403);
    const again = await client.request('POST', '/_synapse/admin/v1/register', { nonce, username: 'frank', password: 'pw', admin: false, mac: registrationMac('s3cret', nonce, 'frank', 'pw', false) });
    expect(again.body.errcode).toBe('M_UNKNOWN'); // the nonce was spent by the failed attempt
    const fresh = (await client.request('GET', '/_synapse/admin/v1/register')).body.nonce;
    const ok = await client.request('POST', '/_synapse/admin/v1/register', { nonce: fresh, username: 'frank', password: 'pw', admin: false, mac: registrationMac('s3cret', fresh, 'frank', 'pw', false) });
    expect(ok.status).toBe(200);
    expect(ok.body.user_id).toBe('@frank:hs.test');
    expect(hs.storage.users.get('@frank:hs.test')).toBeDefined();
  });
});

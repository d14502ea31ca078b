// Invites carrying third_party_invite: the signed block, the matching m.room.third_party_invite, real signatures.
import { thirdPartyInvitePublicKeys, verifyThirdPartySigned } from '../../src/auth';
import { keyPairFromSeed } from '../../src/crypto/ed25519';
import { signJson } from '../../src/crypto/sign-json';
import { encodeBase64Url, decodeBase64 } from '../../src/protocol/base64';
import { getRoomVersion, ROOM_VERSION_IDS } from '../../src/protocol/room-versions';
import { ALICE, BOB, CAROL, defaultPowerLevels, OTHER_SEED, TestRoom } from './support/test-room';

const ID_SEED = 'aWRlbnRpdHkgc2VydmVyIHNlZWQgZm9yIHRlc3RzISE';
const ID_KEY = keyPairFromSeed(ID_SEED).publicKey;
const TOKEN = 'abc123';

function signedBlock(mxid = BOB, token = TOKEN, seed = ID_SEED) {
  return signJson({ mxid, token, sender: ALICE }, 'id.example', 'ed25519:0', seed);
}

function roomWithInvite(version: string, inviteContent: Record<string, unknown> = { public_key: ID_KEY }) {
  const room = TestRoom.start(version);
  room.send({ type: 'm.room.third_party_invite', sender: ALICE, stateKey: TOKEN, content: { display_name: 'b...@example.org', key_validity_url: 'https://id.example/isvalid', ...inviteContent } as never });
  return room;
}

const invite = (content: Record<string, unknown>, sender = ALICE, target = BOB) => ({
  type: 'm.room.member',
  sender,
  stateKey: target,
  content: { membership: 'invite', ...content } as never,
});

describe.each(ROOM_VERSION_IDS.map((v) => [v]))('room version %s', (version) => {
  test('a signature by the invite\'s public key allows the invite, citing the third-party invite event', () => {
    const room = roomWithInvite(version);
    const event = room.build(invite({ third_party_invite: { display_name: 'b', signed: signedBlock() } }));
    expect(event.authEventIds.map((id) => room.events.get(id)!.type)).toContain('m.room.third_party_invite');
    expect(room.check(event)).toEqual({ allowed: true });
  });

  test('keys in public_keys count too, in either base64 alphabet', () => {
    const urlSafe = encodeBase64Url(decodeBase64(ID_KEY));
    const room = roomWithInvite(version, { public_key: keyPairFromSeed(OTHER_SEED).publicKey, public_keys: [{ public_key: urlSafe }] });
    expect(room.try(invite({ third_party_invite: { signed: signedBlock() } }))).toEqual({ allowed: true });
  });

  test('a signature by another key is rejected', () => {
    const room = roomWithInvite(version);
    expect(room.try(invite({ third_party_invite: { signed: signedBlock(BOB, TOKEN, OTHER_SEED) } }))).toEqual({
      allowed: false,
      reason: 'invite: no signature in signed matches a public key of the m.room.third_party_invite',
    });
  });

  test('a tampered signed block is rejected', () => {
    const room = roomWithInvite(version);
    const signed = { ...signedBlock(), sender: CAROL };
    expect(room.try(invite({ third_party_invite: { signed } })).allowed).toBe(false);
  });

  test('each structural rule rejects with its reason', () => {
    const room = roomWithInvite(version);
    expect(room.try(invite({ third_party_invite: {} }))).toEqual({ allowed: false, reason: 'invite: third_party_invite has no signed object' });
    expect(room.try(invite({ third_party_invite: { signed: { mxid: BOB } } }))).toEqual({ allowed: false, reason: 'invite: signed has no mxid and token' });
    expect(room.try(invite({ third_party_invite: { signed: signedBlock(CAROL) } }))).toEqual({ allowed: false, reason: 'invite: signed.mxid does not match state_key' });
    expect(room.try(invite({ third_party_invite: { signed: signedBlock(BOB, 'other-token') } }))).toEqual({ allowed: false, reason: 'invite: no m.room.third_party_invite for the token' });
  });

  test('the sender must be the sender of the third-party invite, and the target not banned', () => {
    const room = roomWithInvite(version);
    room.join(CAROL);
    expect(room.try(invite({ third_party_invite: { signed: signedBlock() } }, CAROL))).toEqual({ allowed: false, reason: 'invite: sender is not the sender of the m.room.third_party_invite' });
    room.join(BOB);
    room.send({ type: 'm.room.member', sender: ALICE, stateKey: BOB, content: { membership: 'ban' } });
    expect(room.try(invite({ third_party_invite: { signed: signedBlock() } }))).toEqual({ allowed: false, reason: 'invite: third-party invite target is banned' });
  });

  test('m.room.third_party_invite itself needs the invite level', () => {
    const rv = getRoomVersion(version);
    const room = TestRoom.start(version, { powerLevels: { ...defaultPowerLevels(rv), invite: 20 } });
    room.join(BOB);
    const tpi = { type: 'm.room.third_party_invite', stateKey: 'tok2', content: { public_key: ID_KEY } as never };
    expect(room.try({ ...tpi, sender: BOB })).toEqual({ allowed: false, reason: 'third_party_invite: sender power level is below the invite level' });
    expect(room.try({ ...tpi, sender: ALICE })).toEqual({ allowed: true });
  });
});

test('verifyThirdPartySigned ignores undecodable keys and non-ed25519 signatures', () => {
  const signed = signedBlock();
  expect(verifyThirdPartySigned(signed, ['not base64!', ID_KEY])).toBe(true);
  expect(verifyThirdPartySigned({ ...signed, signatures: { 'id.example': { 'curve25519:0': 'x' } } }, [ID_KEY])).toBe(false);
  expect(verifyThirdPartySigned({ mxid: BOB, token: TOKEN }, [ID_KEY])).toBe(false);
  const room = roomWithInvite('10', { public_key: 'k1', public_keys: [{ public_key: 'k2' }, { nope: 1 }] });
  expect(thirdPartyInvitePublicKeys([...room.state.values()].find((e) => e.type === 'm.room.third_party_invite')!)).toEqual(['k1', 'k2']);
});

// Authorization rule "membership invite with third_party_invite": the signed block and its signatures
// against the public keys of the matching m.room.third_party_invite event (room versions, rule 5.4.1).
import { verifyJson } from '../crypto/sign-json';
import { decodeBase64, decodeBase64Url } from '../protocol/base64';
import { isJsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { ALLOW, AuthVerdict, reject } from './auth-verdict';
import { AuthState, membershipOf, stateEvent } from './auth-state';

/** The public keys an m.room.third_party_invite offers: `public_key` and each `public_keys[].public_key`. */
export function thirdPartyInvitePublicKeys(inviteEvent: RoomEvent): string[] {
  const keys: string[] = [];
  const single = inviteEvent.content.public_key;
  if (typeof single === 'string') keys.push(single);
  const many = inviteEvent.content.public_keys;
  if (Array.isArray(many)) {
    for (const entry of many) if (isJsonObject(entry) && typeof entry.public_key === 'string') keys.push(entry.public_key);
  }
  return keys;
}

// Identity servers publish keys in either base64 alphabet; anything else (or not 32 bytes) is no key.
function decodePublicKey(text: string): Uint8Array | undefined {
  for (const decode of [decodeBase64, decodeBase64Url]) {
    try {
      const bytes = decode(text);
      if (bytes.length === 32) return bytes;
    } catch {
      // try the other alphabet
    }
  }
  return undefined;
}

/** True when any ed25519 signature in `signed.signatures` verifies with any of the public keys. */
export function verifyThirdPartySigned(signed: Record<string, unknown>, publicKeys: readonly string[]): boolean {
  const signatures = signed.signatures;
  if (!isJsonObject(signatures)) return false;
  for (const text of publicKeys) {
    const key = decodePublicKey(text);
    if (!key) continue;
    for (const [server, byKey] of Object.entries(signatures)) {
      if (!isJsonObject(byKey)) continue;
      for (const keyId of Object.keys(byKey)) {
        if (keyId.startsWith('ed25519:') && verifyJson(signed, server, keyId, key)) return true;
      }
    }
  }
  return false;
}

/** Rule 5.4.1 (4.3.1 in v1–v3 numbering): an invite carrying `content.third_party_invite`. */
export function checkThirdPartyInvite(event: RoomEvent, target: string, state: AuthState): AuthVerdict {
  if (membershipOf(state, target) === 'ban') return reject('invite: third-party invite target is banned');
  const invite = event.content.third_party_invite;
  const signed = isJsonObject(invite) ? invite.signed : undefined;
  if (!isJsonObject(signed)) return reject('invite: third_party_invite has no signed object');
  if (typeof signed.mxid !== 'string' || typeof signed.token !== 'string') return reject('invite: signed has no mxid and token');
  if (signed.mxid !== target) return reject('invite: signed.mxid does not match state_key');
  const inviteEvent = stateEvent(state, 'm.room.third_party_invite', signed.token);
  if (!inviteEvent) return reject('invite: no m.room.third_party_invite for the token');
  if (inviteEvent.sender !== event.sender) return reject('invite: sender is not the sender of the m.room.third_party_invite');
  if (verifyThirdPartySigned(signed, thirdPartyInvitePublicKeys(inviteEvent))) return ALLOW;
  return reject('invite: no signature in signed matches a public key of the m.room.third_party_invite');
}

// The protocol layer's public surface: pure functions from JSON to signed, hashed, identified events.
export * from './base64';
export * from './canonical-json';
export * from './errors';
export * from './event-id-set';
export * from './hashes';
export * from './identifiers';
export * from './json';
export * from './pdu';
export * from './redaction';
export * from './room-event';
export * from './room-versions';

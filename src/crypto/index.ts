// The crypto layer's public surface: Ed25519 keys, JSON and event signatures.
export * from './ed25519';
export * from './event-signing';
export * from './sign-json';
export * from './signing-key-file';

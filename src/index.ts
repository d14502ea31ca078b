// dagmar's package entry point: what `import … from 'dagmar'` offers.
export * from './protocol';
export * from './crypto';
export * from './auth';
export * from './state';
export * from './storage';
export * from './rooms/room-service';
export * from './homeserver';
export * from './config';
export * from './light';

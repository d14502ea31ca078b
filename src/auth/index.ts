// The auth layer's public surface: the authorization rules for room versions 1–12, pure functions.
export * from './auth-events-selection';
export * from './auth-rules';
export * from './auth-state';
export * from './auth-verdict';
export * from './create-rules';
export * from './event-auth';
export * from './member-rules';
export * from './power-levels';
export * from './power-levels-rules';
export * from './third-party-invite';

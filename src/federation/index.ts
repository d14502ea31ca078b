// The federation layer's public surface: X-Matrix, the HTTP shell and its middleware, the signed client.
export * from './x-matrix';
export * from './client/federation-client';
export * from './client/federation-request-error';
export * from './client/server-resolver';
export * from '../http/error-middleware';
export * from './server/federation-app';
export * from '../http/json-body';
export * from './server/key-query-routes';
export * from './server/key-server-route';
export * from '../http/listen';
export * from './server/own-server-keys';
export * from '../http/rate-limit';
export * from './server/server-acl';
export * from './server/version-route';
export * from './server/x-matrix-auth';
export * from './client/federation-api';
export * from './server/self-signed-cert';

// Which API a request path belongs to: a bounded label for metrics and logs (paths hold IDs, so never label by path).

export type ApiLabel = 'federation' | 'key' | 'client' | 'admin' | 'metrics' | 'light' | 'testbed' | 'other';

export function apiOf(path: string): ApiLabel {
  if (path.startsWith('/_matrix/federation/')) return 'federation';
  if (path.startsWith('/_matrix/key/')) return 'key';
  if (path.startsWith('/_matrix/client/') || path.startsWith('/_matrix/media/')) return 'client';
  if (path.startsWith('/_dagmar/admin/')) return 'admin';
  if (path.startsWith('/_dagmar/light/')) return 'light';
  if (path.startsWith('/_dagmar/testbed/')) return 'testbed';
  if (path === '/metrics') return 'metrics';
  return 'other';
}

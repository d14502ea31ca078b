// Builds federation request paths with every parameter percent-encoded: the client signs the path exactly
// as given (X-Matrix `uri`), so it must already be in its final, encoded form.

/**
 * Tagged template: ``federationPath`/_matrix/federation/v1/event/${eventId}` `` encodes each
 * interpolated value with encodeURIComponent (room IDs' `!`, event IDs' `$`/`/`/`+`, user IDs' `@`/`:`).
 */
export function federationPath(strings: TemplateStringsArray, ...params: string[]): string {
  let path = strings[0]!;
  params.forEach((param, i) => {
    path += encodeURIComponent(param) + strings[i + 1]!;
  });
  return path;
}

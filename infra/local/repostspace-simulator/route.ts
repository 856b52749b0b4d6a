/** The space ID of `POST /spaces/{spaceId}/invite`, still escaped; undefined for any other route. */
export function sendInvitesSpaceLabel(method: string | undefined, url: string | undefined) {
  if (method !== 'POST') return undefined;
  // Split by hand: a URL parser would decode `%2E%2E` and collapse it.
  const segments = (url ?? '').split('?')[0]?.split('/') ?? [];
  if (segments.length !== 4 || segments[0] !== '' || segments[3] !== 'invite') return undefined;
  if (segments[1] !== 'spaces' || segments[2] === '') return undefined;
  return segments[2];
}

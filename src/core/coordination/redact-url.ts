// A Redis URL as it may appear in logs and errors: the password (and a user name, which with ACLs
// is half the credential) replaced, everything else kept so the user can see which server is meant.

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username && parsed.password) parsed.username = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    // Not a URL we can parse: show nothing of it rather than risk a credential.
    return '(unparseable Redis URL)';
  }
}

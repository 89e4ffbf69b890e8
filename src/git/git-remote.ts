/** How a remote URL is reached, which decides the credentials it needs. */
export type RemoteKind = "ssh" | "http" | "local";

// scp-like syntax (`git@host:path`) is recognised by git when a colon comes before any slash.
const scpLike = /^(?:[^@/:\s]+@)?[^/:\s]+:(?!\/\/)/;
const windowsDrive = /^[A-Za-z]:[\\/]/;

export function remoteKind(url: string): RemoteKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git") return "ssh";
    if (scheme === "http" || scheme === "https") return "http";
    return "local";
  }
  if (!windowsDrive.test(url) && scpLike.test(url)) return "ssh";
  return "local";
}

/**
 * The remote as it may appear in messages and logs: `host/path`-style, with any password or
 * token removed. HTTP user names are dropped too, because tokens are often put there
 * (`https://<token>@host/...`); an SSH user name is a login, not a secret, and is kept.
 */
export function remoteDisplayName(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*@)?(.*)$/i.exec(url);
  if (match === null) return url;
  const scheme = match[1] ?? "";
  const userInfo = match[2];
  const rest = match[3] ?? "";
  if (userInfo === undefined) return url;
  const kind = remoteKind(url);
  if (kind === "ssh") {
    const user = userInfo.slice(0, -1).split(":")[0] ?? "";
    return `${scheme}${user === "" ? "" : `${user}@`}${rest}`;
  }
  return `${scheme}${rest}`;
}

/** The host part of a remote, for log lines such as `Pushed changes to <host>`. */
export function remoteHost(url: string): string {
  const display = remoteDisplayName(url);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@]*@)?([^/]*)/i.exec(display);
  if (withScheme !== null) return withScheme[1] === "" ? "localhost" : (withScheme[1] ?? display);
  if (remoteKind(url) === "ssh") return /^(?:[^@/:]+@)?([^/:]+):/.exec(display)?.[1] ?? display;
  return "localhost";
}

/**
 * Removes credentials embedded in URLs inside free text (git echoes URLs in its messages), and
 * any known secret values.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s'"]*)@/gi,
    (_whole, scheme: string, info: string) => {
      if (/^(ssh|git\+ssh|ssh\+git):\/\/$/i.test(scheme)) return `${scheme}${info.split(":")[0] ?? ""}@`;
      return `${scheme}***@`;
    },
  );
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

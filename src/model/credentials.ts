/**
 * Credentials inside free text: bearer/basic credentials, JWTs (service-account tokens), PEM private
 * keys and `token: …` / `password=…` values, replaced by a `<redacted N chars>` marker.
 *
 * In src/model (not next to the inspector's redaction in src/state) so that detection can use it
 * too: an alert message that quotes an exec command line must not carry the token in it.
 * Every pattern is linear on hostile input (tested with long runs of key and token fragments).
 */

/**
 * Credentials inside free text (a script in a ConfigMap, a kubeconfig, a URL, a message). Group 1,
 * when present, is kept (the scheme or the key), the rest is replaced.
 */
const INLINE_SECRETS: RegExp[] = [
  /\b((?:Bearer|Basic)\s+)[A-Za-z0-9\-._~+/]{8,}=*/g,
  // JWT (service-account tokens). Only at the start of a token run: an attempt at every "eyJ" inside
  // one long run would rescan the rest of it each time (quadratic on a hostile line)
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // token: …, DB_PASSWORD=…, client-key-data: … (kubeconfig), ?token=… ; the key is matched from its
  // start with a bounded prefix (no backtracking over long runs), keys naming a credential
  // (secretName, tokenRef, credential-id) are not credentials, '<' spares what was already redacted
  /(?<![\w.-])((?:[\w.-]{0,30}?)(?:password|passwd|token|secret|api[-_]?key|client-key-data)[\w.-]{0,20}(?<![nN]ame|[rR]ef|[iI][dD])"?\s*[:=]\s*"?)([^\s"',;}&<]{6,})/gi,
];

/** "12 chars", "1.5 kB": how much was hidden (the length tells a token from a password). */
export function sizeNote(s: string): string {
  const n = s.length;
  return n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} chars`;
}

/**
 * Free text with inline credentials (bearer tokens, JWTs, PEM keys, token=/password: values)
 * replaced: for text built from log content elsewhere, e.g. an alert message quoting an exec command.
 */
export function redactText(s: string): string {
  return redactInline(s) ?? s;
}

/** Replace inline credentials in a string; returns undefined when there were none. */
export function redactInline(s: string): string | undefined {
  let out = s;
  let hit = false;
  for (const re of INLINE_SECRETS) {
    re.lastIndex = 0;
    if (!re.test(out)) continue;
    hit = true;
    re.lastIndex = 0;
    out = out.replace(re, (m: string, keep?: unknown) => {
      const head = typeof keep === 'string' ? keep : '';
      return `${head}<redacted ${sizeNote(m.slice(head.length))}>`;
    });
  }
  return hit ? out : undefined;
}

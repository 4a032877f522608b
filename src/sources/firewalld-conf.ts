/**
 * /etc/firewalld/firewalld.conf as firewalld reads it (src/firewall/core/io/firewalld_conf.py, read()):
 * each line stripped; empty lines and lines starting with `#` or `;` skipped; the line split at every
 * `=` and each part stripped; a line that is not exactly KEY=VALUE, an empty value, or a repeated key
 * is logged and ignored: the FIRST definition of a key counts.
 *
 * Never throws: any text gives a result.
 */

export interface FirewalldSetting { key: string; value: string; line: number }

export interface ParsedFirewalldConf {
  settings: Map<string, FirewalldSetting>;
  /** Lines firewalld ignores, with its reason. */
  ignored: { line: number; why: string }[];
}

export function parseFirewalldConf(text: string): ParsedFirewalldConf {
  const settings = new Map<string, FirewalldSetting>();
  const ignored: ParsedFirewalldConf['ignored'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const parts = line.split('=').map((p) => p.trim());
    if (parts.length !== 2) return void ignored.push({ line: i + 1, why: 'not KEY=VALUE' });
    const [key, value] = parts as [string, string];
    if (value === '') return void ignored.push({ line: i + 1, why: `${key} has no value` });
    if (settings.has(key)) return void ignored.push({ line: i + 1, why: `${key} is defined again (the first definition counts)` });
    settings.set(key, { key, value, line: i + 1 });
  });
  return { settings, ignored };
}

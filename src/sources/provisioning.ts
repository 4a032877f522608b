/**
 * Files installed by provisioning configurations: Butane (YAML), Ignition (JSON, spec 2 and 3),
 * OpenShift MachineConfigs (an Ignition config in spec.config) and cloud-init user data (write_files).
 * Each embedded file comes out with the path it is installed at, its text, and where it is declared in
 * the provisioning file, so a problem in a .link file can be shown at its line there. Pure.
 */
import { gunzipSync } from 'node:zlib';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Node as YamlNode, type YAMLMap } from 'yaml';
import { resolveAliases } from './yaml-aliases.js';

export type ProvisioningFormat = 'butane' | 'ignition' | 'machineconfig' | 'cloud-init';

export interface EmbeddedFile {
  /** Where the provisioning tool installs it. */
  path: string;
  /** Its text; null for a link to /dev/null (a mask). */
  content: string | null;
  mask: 'dev-null' | null;
  /** The line (from 1) of the entry that declares it. */
  line: number;
  /** The line holding the file's first line when its text is written there line for line (a YAML `|` block); else null. */
  contentLine: number | null;
}

export interface ProvisioningProblem {
  line: number;
  message: string;
}

export interface Provisioning {
  formats: ProvisioningFormat[];
  files: EmbeddedFile[];
  /** Entries that install something hostnet cannot see (a remote URL, a local file, compressed binary). */
  problems: ProvisioningProblem[];
}

export type ProvisioningResult = Provisioning | { error: ProvisioningProblem };

export function parseProvisioning(text: string): ProvisioningResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
  if (!Array.isArray(docs)) return { error: { line: 1, message: 'not YAML or JSON' } };
  const lineAt = (offset: number | undefined): number => lines.linePos(offset ?? 0).line;
  const out: Provisioning = { formats: [], files: [], problems: [] };
  const cloudConfig = /^#cloud-config\s*$/m.test(text.split('\n', 1)[0] ?? '');
  for (const doc of docs) {
    if (doc.errors.length > 0) return { error: { line: lineAt(doc.errors[0]!.pos[0]), message: `not valid YAML or JSON: ${doc.errors[0]!.message.split('\n')[0]}` } };
    if (resolveAliases(doc) !== null) return { error: { line: 1, message: 'not valid YAML: an alias without its anchor' } };
    if (!isMap(doc.contents)) continue;
    const reader = new Reader(lineAt, out);
    reader.document(doc.contents, cloudConfig);
  }
  if (out.formats.length === 0) {
    return { error: { line: 1, message: 'not a provisioning configuration: no Butane variant/version, no Ignition ignition.version, no MachineConfig, and no #cloud-config first line' } };
  }
  return out;
}

class Reader {
  constructor(private readonly lineAt: (offset: number | undefined) => number, private readonly out: Provisioning) {}

  document(map: YAMLMap, cloudConfig: boolean): void {
    const kind = str(get(map, 'kind'));
    if (kind === 'List') {
      const items = get(map, 'items');
      if (isSeq(items)) for (const item of items.items) if (isMap(item)) this.document(item, false);
      return;
    }
    if (kind === 'MachineConfig') {
      const config = get(get(map, 'spec'), 'config');
      this.note('machineconfig');
      if (isMap(config)) this.ignition(config);
      else if (isScalar(config) && typeof config.value === 'string') this.problem(config, 'spec.config is a string: give it as an object (oc get mc NAME -o yaml)');
      return;
    }
    if (isMap(get(map, 'ignition'))) {
      this.note('ignition');
      this.ignition(map);
      return;
    }
    if (str(get(map, 'variant')) !== null && str(get(map, 'version')) !== null) {
      this.note('butane');
      this.storage(get(map, 'storage'), true);
      return;
    }
    if (cloudConfig) {
      this.note('cloud-init');
      this.writeFiles(get(map, 'write_files'));
    }
  }

  private note(format: ProvisioningFormat): void {
    if (!this.out.formats.includes(format)) this.out.formats.push(format);
  }

  private problem(node: YamlNode | null | undefined, message: string): void {
    this.out.problems.push({ line: this.lineAt(node?.range?.[0]), message });
  }

  private ignition(config: YAMLMap): void {
    this.storage(get(config, 'storage'), false);
    // Ignition spec 2 writes networkd units itself, into /etc/systemd/network.
    const units = get(get(config, 'networkd'), 'units');
    if (isSeq(units)) {
      for (const unit of units.items) {
        const name = str(get(unit, 'name'));
        const contents = get(unit, 'contents');
        if (name === null || !isScalar(contents) || typeof contents.value !== 'string') continue;
        this.out.files.push({ path: `/etc/systemd/network/${name}`, content: contents.value, mask: null, line: this.lineAt((unit as YamlNode).range?.[0]), contentLine: literalLine(contents, this.lineAt) });
      }
    }
  }

  /** storage.files and storage.links of Ignition (`contents.source`) and Butane (`contents.inline` too). */
  private storage(storage: unknown, butane: boolean): void {
    const files = get(storage, 'files');
    if (isSeq(files)) for (const entry of files.items) this.storageFile(entry as YamlNode, butane);
    const links = get(storage, 'links');
    if (isSeq(links)) {
      for (const entry of links.items) {
        const path = str(get(entry, 'path'));
        const target = str(get(entry, 'target'));
        if (path === null || target === null) continue;
        const line = this.lineAt((entry as YamlNode).range?.[0]);
        if (target === '/dev/null') this.out.files.push({ path, content: null, mask: 'dev-null', line, contentLine: null });
        else this.out.problems.push({ line, message: `${path} is a link to ${target}: the file it points to is not read` });
      }
    }
  }

  private storageFile(entry: YamlNode, butane: boolean): void {
    const path = str(get(entry, 'path'));
    if (path === null) return;
    const line = this.lineAt(entry.range?.[0]);
    const contents = get(entry, 'contents');
    const inline = get(contents, 'inline');
    const source = get(contents, 'source');
    const compression = str(get(contents, 'compression'));
    if (butane && isScalar(inline) && typeof inline.value === 'string') {
      this.out.files.push({ path, content: inline.value, mask: null, line, contentLine: literalLine(inline, this.lineAt) });
      return;
    }
    if (butane && get(contents, 'local') !== null) {
      this.out.problems.push({ line, message: `${path}: contents.local names a file beside the Butane config, which is not given; give that file with --input link-file=FILE` });
      return;
    }
    const url = isScalar(source) && typeof source.value === 'string' ? source.value : null;
    if (url === null) {
      // An entry with no contents installs an empty file: for systemd a mask.
      if (contents === null || (source === null && inline === null)) this.out.files.push({ path, content: '', mask: null, line, contentLine: null });
      return;
    }
    const decoded = decodeDataUrl(url, compression);
    if ('problem' in decoded) this.out.problems.push({ line: this.lineAt(source?.range?.[0]), message: `${path}: ${decoded.problem}` });
    else this.out.files.push({ path, content: decoded.text, mask: null, line, contentLine: null });
  }

  /** cloud-init's write_files: path, content and its encoding. */
  private writeFiles(list: unknown): void {
    if (!isSeq(list)) return;
    for (const entry of list.items) {
      const path = str(get(entry, 'path'));
      if (path === null) continue;
      const line = this.lineAt((entry as YamlNode).range?.[0]);
      const content = get(entry, 'content');
      const encoding = (str(get(entry, 'encoding')) ?? 'text/plain').toLowerCase();
      if (get(entry, 'append') !== null && isScalar(get(entry, 'append')) && (get(entry, 'append') as Scalar).value === true) {
        this.out.problems.push({ line, message: `${path}: append: true adds to a file hostnet does not see; it is read as if it were the whole file` });
      }
      const raw = isScalar(content) ? content.value : '';
      const decoded = decodeCloudInit(raw, encoding);
      if ('problem' in decoded) this.out.problems.push({ line, message: `${path}: ${decoded.problem}` });
      else this.out.files.push({ path, content: decoded.text, mask: null, line, contentLine: encoding === 'text/plain' && isScalar(content) ? literalLine(content, this.lineAt) : null });
    }
  }
}

function get(node: unknown, key: string): YamlNode | null {
  if (!isMap(node)) return null;
  const value = node.get(key, true);
  return (value ?? null) as YamlNode | null;
}

function str(node: YamlNode | null): string | null {
  return isScalar(node) && typeof node.value === 'string' ? node.value : null;
}

/** A `|` block's text starts on the line after its indicator, line for line. */
function literalLine(node: Scalar, lineAt: (offset: number | undefined) => number): number | null {
  return node.type === Scalar.BLOCK_LITERAL ? lineAt(node.range?.[0]) + 1 : null;
}

/** RFC 2397 `data:[type][;base64],DATA`, then Ignition's `compression: gzip`. */
export function decodeDataUrl(url: string, compression: string | null): { text: string } | { problem: string } {
  const m = /^data:([^,]*),(.*)$/s.exec(url);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? 'an unknown';
    return { problem: `contents.source is ${scheme === 'an unknown' ? 'not a URL' : `a ${scheme} URL`}: it is fetched at boot, not carried here; give the file itself with --input link-file=FILE` };
  }
  let bytes: Buffer;
  try {
    bytes = m[1]!.split(';').includes('base64') ? Buffer.from(m[2]!, 'base64') : percentDecode(m[2]!);
    if (compression === 'gzip') bytes = gunzipSync(bytes);
    else if (compression !== null && compression !== '') return { problem: `compression ${compression} is not one Ignition knows (gzip)` };
  } catch (err) {
    return { problem: `contents.source cannot be decoded: ${(err as Error).message}` };
  }
  return textOf(bytes);
}

function percentDecode(data: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === '%' && /^[0-9a-f]{2}$/i.test(data.slice(i + 1, i + 3))) {
      bytes.push(parseInt(data.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(data[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeCloudInit(raw: unknown, encoding: string): { text: string } | { problem: string } {
  const bytes = raw instanceof Uint8Array ? Buffer.from(raw) : Buffer.from(String(raw ?? ''), 'utf8');
  try {
    switch (encoding) {
      case 'text/plain': return textOf(bytes);
      case 'b64': case 'base64': return textOf(Buffer.from(bytes.toString('utf8'), 'base64'));
      case 'gz': case 'gzip': return textOf(gunzipSync(bytes));
      case 'gz+b64': case 'gz+base64': case 'gzip+b64': case 'gzip+base64': return textOf(gunzipSync(Buffer.from(bytes.toString('utf8'), 'base64')));
      default: return { problem: `encoding ${encoding} is not one cloud-init knows` };
    }
  } catch (err) {
    return { problem: `content cannot be decoded as ${encoding}: ${(err as Error).message}` };
  }
}

function textOf(bytes: Buffer): { text: string } | { problem: string } {
  const text = bytes.toString('utf8');
  if (text.includes('\u0000') || text.includes('\ufffd')) return { problem: 'its content is binary, not text' };
  return { text };
}

/**
 * A fix applied to a snapshot, as data: its files added (replacing files of the same path) and its
 * declared interface changes made. Verification and the race explorer's --with-fix both use this.
 */
import type { Interface, Snapshot } from '../snapshot/schema.js';
import type { Fix, InterfaceChange } from './types.js';

/** The snapshot as it would be with the fix in place. */
export function applyFix(snapshot: Snapshot, fix: Pick<Fix, 'files' | 'changes' | 'sysctls'>): Snapshot {
  const out = withInterfaceChanges(withFiles(snapshot, fix.files), fix.changes ?? []);
  return fix.sysctls ? { ...out, sysctls: { ...out.sysctls, ...fix.sysctls } } : out;
}

export function withInterfaceChanges(snapshot: Snapshot, changes: readonly InterfaceChange[]): Snapshot {
  if (changes.length === 0) return snapshot;
  return {
    ...snapshot,
    interfaces: snapshot.interfaces.map((iface) => {
      let out = iface;
      for (const change of changes) {
        if (change.interface !== iface.name) continue;
        const merged: Record<string, unknown> = { ...out };
        for (const [key, value] of Object.entries(change.set)) {
          const current = merged[key];
          merged[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
            ? { ...current, ...value }
            : value;
        }
        out = merged as Interface;
      }
      return out;
    }),
  };
}

export function withFiles(snapshot: Snapshot, files: Fix['files']): Snapshot {
  if (files.length === 0) return snapshot;
  const paths = new Set(files.map((f) => f.path));
  return {
    ...snapshot,
    files: [...snapshot.files.filter((f) => !paths.has(f.path)), ...files.map((f) => ({ path: f.path, content: f.content, mask: null, role: null }))],
  };
}

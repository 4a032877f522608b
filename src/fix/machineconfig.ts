/**
 * An OpenShift MachineConfig that lays fix files on every node of a pool (Ignition 3.2.0 storage
 * files with data: URLs), so a fleet gets the same .link file the engine verified.
 */
import { stringifyK8sYaml as stringify } from '../sources/k8s-yaml.js';
import type { FixFile } from '../rules/types.js';

export function renderMachineConfig(files: FixFile[], options: { role: string; name: string }): string {
  const doc = {
    apiVersion: 'machineconfiguration.openshift.io/v1',
    kind: 'MachineConfig',
    metadata: {
      name: `99-${options.role}-${options.name}`,
      labels: { 'machineconfiguration.openshift.io/role': options.role },
    },
    spec: {
      config: {
        ignition: { version: '3.2.0' },
        storage: {
          files: files.map((f) => ({
            path: f.path,
            mode: 0o644,
            overwrite: true,
            contents: { source: `data:text/plain;charset=utf-8;base64,${Buffer.from(f.content, 'utf8').toString('base64')}` },
          })),
        },
      },
    },
  };
  return stringify(doc);
}

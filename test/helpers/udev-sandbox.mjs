// Runs inside `ip netns exec NS unshare --mount --propagation private`: puts the given directories
// over systemd's network directories (in this private mount namespace only), runs the commands one
// after another, and prints their results as JSON. Plain JavaScript so it needs no loader.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const spec = JSON.parse(process.argv[2]);
const mount = (args) => {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr.trim()}`);
};
for (const { source, target } of spec.mounts) {
  if (!existsSync(target)) {
    // A missing directory is made in a tmpfs over its nearest existing ancestor (private to us).
    let ancestor = dirname(target);
    while (!existsSync(ancestor)) ancestor = dirname(ancestor);
    mount(['-t', 'tmpfs', 'hostnet-test', ancestor]);
    mkdirSync(target, { recursive: true });
  }
  mount(['--bind', source, target]);
}
const results = spec.commands.map(({ argv, env }) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
});
process.stdout.write(JSON.stringify(results));

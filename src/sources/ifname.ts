/**
 * Interface names as Linux and udevd accept them: shared by the .link model (Name=, AlternativeName=)
 * and by the readers of configurations that name interfaces (Calico/VPP uplinks).
 */

/** The kernel's dev_valid_name(): 1 to 15 bytes, not `.` or `..`, no `/`, `:` or white space. */
export function isKernelIfname(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  return bytes > 0 && bytes < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/**
 * udevd's ifname_valid(): stricter than the kernel (printable ASCII only, no `%`, not all digits),
 * and up to 127 characters for an alternative name.
 */
export function isValidIfname(name: string, alternative = false): boolean {
  if (name === '' || name.length >= (alternative ? 128 : 16)) return false;
  if (name === '.' || name === '..') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 127 || c <= 32 || name[i] === ':' || name[i] === '/' || name[i] === '%') return false;
  }
  return !/^[0-9]+$/.test(name);
}

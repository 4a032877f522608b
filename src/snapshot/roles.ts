/**
 * Roles of input files a user hands to an analysis (`--input ROLE=FILE`) when hostnet cannot collect
 * them itself or they live somewhere unusual. The role says which parser reads the file; the snapshot
 * records it beside the file's text. One line per role.
 */
export const INPUT_ROLES: Record<string, string> = {
  'link-file': 'a systemd .link file (or a .network file) to treat as installed at its own path',
};

/** What a packet trace is made of, and the recorder each trace writes its steps with. */

export type Ingress = { kind: 'uplink' } | { kind: 'host' } | { kind: 'pod'; interface: string } | { kind: 'interface'; interface: string };

export interface PacketStep {
  n: number;
  plane: 'linux' | 'vpp' | 'wire';
  where: string;
  what: string;
  /** Where the fact behind the step came from (a file, a command, the plan). */
  because?: string;
}

export type PacketVerdict =
  | { kind: 'delivered'; where: string }
  | { kind: 'forwarded'; where: string; nextHop: string | null }
  | { kind: 'dropped'; where: string; step: number; reason: string };

export interface PacketTrace {
  src: string;
  dst: string;
  ingress: string;
  /** The packet's size in bytes (DF set), when the trace checks sizes. */
  size?: number;
  steps: PacketStep[];
  verdict: PacketVerdict;
}

export interface TraceRequest {
  src?: string;
  dst: string;
  ingress: Ingress;
  /** Local pods known to the trace (address → VPP interface), e.g. the sender of the packet a reply answers. */
  pods?: Record<string, string>;
  /** Size of the whole IP packet in bytes, DF set: checked against every MTU on the way. */
  size?: number;
  /** The packet's firewall mark when it reaches routing (rp_filter's lookup uses it where src_valid_mark is set). */
  mark?: number;
}

export class TraceSetupError extends Error {}

export function ingressName(ingress: Ingress): string {
  return ingress.kind === 'pod' ? `pod:${ingress.interface}` : ingress.kind === 'interface' ? ingress.interface : ingress.kind;
}

/** Numbered steps, the drop verdict that points at the last of them, and the finished trace. */
export class TraceRecorder {
  readonly steps: PacketStep[] = [];
  src: string | undefined;
  readonly ingressName: string;

  constructor(private readonly req: TraceRequest) {
    this.src = req.src;
    this.ingressName = ingressName(req.ingress);
  }

  step(plane: PacketStep['plane'], where: string, what: string, because?: string): number {
    this.steps.push({ n: this.steps.length + 1, plane, where, what, ...(because ? { because } : {}) });
    return this.steps.length;
  }

  drop(where: string, reason: string): PacketVerdict {
    return { kind: 'dropped', where, step: this.steps.length, reason };
  }

  finish(verdict: PacketVerdict): PacketTrace {
    return { src: this.src ?? '?', dst: this.req.dst, ingress: this.ingressName, ...(this.req.size !== undefined ? { size: this.req.size } : {}), steps: this.steps, verdict };
  }
}

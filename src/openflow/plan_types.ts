/**
 * The migration plan: the contract between the OpenFlow model (which builds
 * plans and predicts their effect) and the Open vSwitch testbed (which
 * executes the very same plan object on real switches).
 *
 * @module
 */

/** The header fields a flow entry matches (all optional; absent = wildcard). */
export interface FlowMatch {
  /** Ingress port number on the switch. */
  readonly inPort?: number;
  /** Ethernet type, e.g. 0x0800 for IPv4. */
  readonly ethType?: number;
  /** IPv4 source address, dotted quad. */
  readonly ipv4Src?: string;
  /** IPv4 destination address, dotted quad. */
  readonly ipv4Dst?: string;
  /** IP protocol number, e.g. 17 for UDP (needs ethType 0x0800). */
  readonly ipProto?: number;
  /** UDP destination port (needs ipProto 17). */
  readonly udpDst?: number;
  /** VLAN id of a version tag (only the two-phase ordering uses it; absent = any, tagged or not). */
  readonly vlanVid?: number;
}

/** One flow entry on one switch: match, priority and an output port. */
export interface FlowEntry {
  /** The switch that holds the entry (a topology node id). */
  readonly switchId: string;
  /** OpenFlow priority, 0..65535. */
  readonly priority: number;
  /** Match fields. */
  readonly match: FlowMatch;
  /** Output port number on that switch. */
  readonly outPort: number;
  /** The flow this entry serves (e.g. "client->server"). */
  readonly flowId: string;
  /** Push a VLAN tag (if none) and set its id before output (two-phase ordering only). */
  readonly setVlanVid?: number;
  /** Strip the VLAN tag before output (two-phase ordering only). */
  readonly popVlan?: boolean;
}

/** A flow-table change sent by the controller to one switch. */
export interface FlowMod {
  /** add: new entry; modify: change the output of a matching entry; delete: remove it (strict match). */
  readonly command: "add" | "modify" | "delete";
  /** The entry (for delete, its match and priority identify it). */
  readonly entry: FlowEntry;
}

/** A phase of a plan: messages sent together, then an optional barrier. */
export interface PlanPhase {
  /** What the phase does ("install new path", "redirect branching switch", ...). */
  readonly name: string;
  /** The messages, in the order the controller sends them. */
  readonly messages: readonly FlowMod[];
  /** Wait for a barrier reply from every switch touched before the next phase. */
  readonly barrier: boolean;
}

/** An ordered migration plan. */
export interface MigrationPlan {
  /** The ordering that produced it ("paper", "all-at-once", ...). */
  readonly ordering: string;
  /** Phases, in order. */
  readonly phases: readonly PlanPhase[];
}

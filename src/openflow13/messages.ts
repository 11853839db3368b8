/**
 * The decoded forms of the OpenFlow 1.3 messages the codec speaks (types
 * only). A new message gets its interface here, its encoder in
 * `encode.ts` (or its own file when it has a body as rich as FLOW_MOD's)
 * and its case in `decode.ts`.
 *
 * @module
 */

import type { FlowMatch } from "../openflow/plan_types.ts";
import type { FlowModCommandName } from "./constants.ts";

/** A FLOW_MOD as the codec sees it. */
export interface FlowModMessage {
  /** Message kind. */
  readonly type: "flow_mod";
  /** Transaction id. */
  readonly xid: number;
  /** The command. */
  readonly command: FlowModCommandName;
  /** Table id (default 0). */
  readonly tableId: number;
  /** Priority, 0..65535. */
  readonly priority: number;
  /** Match fields (absent = wildcard). */
  readonly match: FlowMatch;
  /** Output ports of the apply-actions instruction, in order (empty = drop). */
  readonly outPorts: readonly number[];
  /** VLAN tag actions before the outputs (empty object if none). */
  readonly vlan: VlanActions;
  /** Cookie (default 0). */
  readonly cookie: bigint;
  /** Flags (default 0; 1 = send flow removed, 2 = check overlap). */
  readonly flags: number;
  /** Idle timeout in seconds (0 = none). */
  readonly idleTimeoutSeconds: number;
  /** Hard timeout in seconds (0 = none). */
  readonly hardTimeoutSeconds: number;
}

/** VLAN tag actions applied before output. */
export interface VlanActions {
  /** Strip the outer VLAN tag. */
  readonly popVlan?: boolean;
  /** Push a 802.1Q tag and set its VLAN id (1..4094). */
  readonly setVlanVid?: number;
}

/** A FEATURES_REPLY: the switch's datapath id and table count. */
export interface FeaturesReplyMessage {
  /** Message kind. */
  readonly type: "features_reply";
  /** Transaction id. */
  readonly xid: number;
  /** Datapath id, 64 bits. */
  readonly datapathId: bigint;
  /** Packets the switch can buffer. */
  readonly nBuffers: number;
  /** Number of flow tables. */
  readonly nTables: number;
  /** Capability bits. */
  readonly capabilities: number;
}

/** An ERROR message: type, code and the (start of the) offending message. */
export interface ErrorMessage {
  /** Message kind. */
  readonly type: "error";
  /** Transaction id (that of the offending request). */
  readonly xid: number;
  /** ofp_error_type. */
  readonly errorType: number;
  /** Error code within the type. */
  readonly errorCode: number;
  /** The data: usually the first bytes of the offending request. */
  readonly data: Uint8Array;
}

/** A HELLO, with the versions of its version-bitmap element if any. */
export interface HelloMessage {
  /** Message kind. */
  readonly type: "hello";
  /** Transaction id. */
  readonly xid: number;
  /** Versions in the version bitmap (wire version numbers); empty if none. */
  readonly versions: readonly number[];
}

/** A message with a header and an opaque body. */
export interface SimpleMessage {
  /** Message kind. */
  readonly type:
    | "echo_request"
    | "echo_reply"
    | "features_request"
    | "barrier_request"
    | "barrier_reply";
  /** Transaction id. */
  readonly xid: number;
  /** Body (echo payload; empty for the others). */
  readonly data: Uint8Array;
}

/** Any other message: its type number and raw body. */
export interface OtherMessage {
  /** Message kind. */
  readonly type: "other";
  /** Transaction id. */
  readonly xid: number;
  /** The OpenFlow message type number. */
  readonly ofpType: number;
  /** The body after the header. */
  readonly data: Uint8Array;
}

/** Every decoded OpenFlow 1.3 message. */
export type OfpMessage =
  | HelloMessage
  | ErrorMessage
  | SimpleMessage
  | FeaturesReplyMessage
  | FlowModMessage
  | OtherMessage;

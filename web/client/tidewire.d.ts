// Type declarations of the tidewire client (web/client/tidewire.js).

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'error' | 'closed';
export type ChannelKind = 'state' | 'stream';
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A WebSocket constructor: the browser's, Node 22's global, or `ws`'s. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  binaryType?: string;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Where a channel stands; enough to resume it later. */
export interface ChannelPosition {
  kind?: ChannelKind | null;
  epoch?: string | null;
  /** Last applied seq. */
  seq?: number | null;
  /** State channels: the document at `seq` (required to resume one). */
  doc?: Json;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TidewireOptions {
  /** A JWT sent in an `auth` message after each welcome (nodes with --auth=jwt). */
  token?: string;
  /** Called for a token after each welcome and on `auth_expiring`; wins over `token`. */
  getToken?: () => string | Promise<string>;
  /** Node WebSocket URLs (`ws://host:port/ws`), tried in turn. */
  urls?: string[];
  /** Shorthand for a single URL. */
  url?: string;
  /** Channels to subscribe to once connected. */
  channels?: string[];
  /** Positions to resume from (e.g. read from a cache), by channel; also subscribes them. */
  resume?: Record<string, ChannelPosition>;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** Subprotocols to offer; default none (the node then speaks tidewire.v1.json). */
  protocols?: string | string[];
  /** 'msgpack': binary MessagePack frames (tidewire.v1.msgpack); default 'json'. */
  protocol?: 'json' | 'msgpack';
  /**
   * MessagePack only: numbers no float 64 holds (sent by the node as ext 1)
   * become ExactNumber and 64-bit integers past 2^53 BigInt, instead of the
   * nearest Number (what JSON.parse gives).
   */
  exactNumbers?: boolean;
  /** Overrides welcome.reconnect {base_ms, max_ms}. */
  reconnect?: { baseMs?: number; maxMs?: number };
  /** Overrides welcome.heartbeat_ms (interval of `ping`). */
  heartbeatMs?: number;
  /** Silence after which the connection is declared dead; default 2 × heartbeatMs. */
  deadAfterMs?: number;
  /** No `welcome` within this time: give up the attempt. Default max(10 s, deadAfterMs). */
  connectTimeoutMs?: number;
  /** Default timeout of publish(); 10 s. */
  publishTimeoutMs?: number;
  /**
   * After this many consecutive 1013 (slow consumer) closes with no update
   * applied, subscribe afresh instead of resuming (a `reset` with reason
   * 'too_far_behind'); 0 never gives up. Default 3.
   */
  giveUpResumeAfter?: number;
  /** Consecutive failed attempts after which the state is 'offline' instead of 'reconnecting'; 5. */
  offlineAfterAttempts?: number;
  /** Connect in the constructor (default true). */
  autoConnect?: boolean;
  /** Injection points for tests. */
  timers?: Partial<Timers>;
  now?: () => number;
  random?: () => number;
}

export interface StateInfo {
  state: ConnectionState;
  previous?: ConnectionState;
  url?: string | null;
  /** Failed attempts since the last welcome. */
  attempt?: number;
  /** When the next attempt starts (ms since the epoch, from `now`), while waiting. */
  retryAt?: number | null;
  delayMs?: number;
  node?: string;
  session?: string;
  close?: DisconnectInfo;
}

export interface DisconnectInfo {
  /** WebSocket close code; 4000 when the client gave up (heartbeat or connect timeout). */
  code: number | null;
  reason: string;
  url: string | null;
}

export interface UpdateMeta {
  channel: string;
  kind: ChannelKind;
  seq: number;
  ts?: number;
  epoch: string | null;
  /** State channels: the merge patch just applied (undefined for a snapshot). */
  patch?: Json;
  /** True when the value is a whole snapshot. */
  snapshot: boolean;
  /** State channels: the patch is several composed into one (the client
   *  fell behind); seq is the last one it covers, earlier seqs never come. */
  conflated?: boolean;
}

export interface SubscribedInfo {
  channel: string;
  kind: ChannelKind | null;
  epoch: string | null;
  /** The channel's head seq when subscribing. */
  seq: number;
  recovered: boolean;
  /** The seq the client asked to resume from, or null. */
  since: number | null;
}

/** A resume was refused (`recovered: false`): history since `previousSeq` is lost. */
export interface ResetInfo {
  channel: string;
  kind: ChannelKind | null;
  epoch: string | null;
  head: number | null;
  previousEpoch: string | null;
  previousSeq: number | null;
  /**
   * epoch_changed: the node's history of the channel is a new one;
   * not_retained: the node no longer has the updates after previousSeq;
   * too_far_behind: the client gave up resuming after repeated 1013 closes;
   * trimmed: retention removed `missing` while the node was catching up.
   */
  reason: 'epoch_changed' | 'not_retained' | 'too_far_behind' | 'trimmed';
  /** With reason 'trimmed': the seqs that will never be delivered. */
  missing: { from: number; to: number } | null;
}

export interface GapInfo {
  channel: string;
  expected: number;
  got: number;
}

export interface ServerErrorInfo {
  code: string;
  message: string;
  id?: string | number;
  request?: { type: string; channel: string };
  /** Set when the error is about a subscription the node has dropped. */
  channel?: string;
}

export interface PublishAck {
  channel: string;
  seq: number;
  epoch?: string;
}

export interface ClientStats {
  connects: number;
  reconnects: number;
  gaps: number;
  duplicates: number;
  resets: number;
  heartbeatTimeouts: number;
}

export type Unsubscribe = () => void;
export type UpdateHandler = (value: any, meta: UpdateMeta) => void;

export class Emitter {
  on(event: string, fn: (...args: any[]) => void): Unsubscribe;
  once(event: string, fn: (...args: any[]) => void): Unsubscribe;
  off(event: string, fn: (...args: any[]) => void): void;
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}

export class TidewireError extends Error {
  /** Server error code (`unknown_channel`, `invalid_channel`, …) or `timeout`, `disconnected`, `closed`. */
  code: string;
  channel?: string;
}

export class TidewireClient extends Emitter {
  constructor(options: TidewireOptions);
  readonly urls: string[];
  readonly state: ConnectionState;
  readonly stateInfo: StateInfo;
  /** The last `welcome` received. */
  readonly welcome: { node: string; session: string; protocol: number; heartbeat_ms: number; reconnect: { base_ms: number; max_ms: number } } | null;
  /** The URL of the current (or last) connection. */
  readonly url: string | null;
  readonly stats: ClientStats;
  readonly heartbeatMs: number;
  readonly deadAfterMs: number;
  readonly reconnectLimits: { baseMs: number; maxMs: number };

  connect(): this;
  close(): void;
  subscribe(channel: string, resume?: ChannelPosition): this;
  unsubscribe(channel: string): this;
  /** Skips the remaining backoff wait (no-op unless waiting to reconnect). */
  reconnectNow(): this;
  subscriptions(): string[];
  channel(name: string): (ChannelPosition & { status: string }) | null;
  publish(channel: string, data: Json, options?: {
    timeoutMs?: number;
    /** Idempotency key (1-128 chars); default: a random one per publish. */
    key?: string;
    /** Send again after a reconnection until acknowledged (default true). */
    retry?: boolean;
  }): Promise<PublishAck>;

  on(event: 'state' | ConnectionState, fn: (info: StateInfo) => void): Unsubscribe;
  on(event: 'welcome', fn: (welcome: NonNullable<TidewireClient['welcome']>) => void): Unsubscribe;
  on(event: 'subscribed', fn: (info: SubscribedInfo) => void): Unsubscribe;
  on(event: 'unsubscribed', fn: (info: { channel: string }) => void): Unsubscribe;
  on(event: 'reset', fn: (info: ResetInfo) => void): Unsubscribe;
  on(event: 'gap', fn: (info: GapInfo) => void): Unsubscribe;
  on(event: 'disconnected', fn: (info: DisconnectInfo) => void): Unsubscribe;
  on(event: 'heartbeat_timeout', fn: (info: { url: string | null; silentMs: number }) => void): Unsubscribe;
  on(event: 'server_error', fn: (info: ServerErrorInfo) => void): Unsubscribe;
  on(event: 'message', fn: (msg: Record<string, unknown>) => void): Unsubscribe;
  /** Every applied update or snapshot of every channel. */
  on(event: 'update' | 'snapshot', fn: UpdateHandler): Unsubscribe;
  /**
   * '<channel>' or '<channel>_update' (e.g. 'trades', 'dashboard_update'):
   * stream channels pass each event, state channels the whole document.
   */
  on(event: string, fn: UpdateHandler): Unsubscribe;
}

export function connect(options: TidewireOptions): TidewireClient;

/** RFC 7396; returns a new document, never mutates its arguments. */
export function applyMergePatch<T = Json>(target: unknown, patch: unknown): T;
export function isPlainObject(value: unknown): value is Record<string, unknown>;

export const DEFAULT_RECONNECT: Readonly<{ baseMs: number; maxMs: number }>;
/** min(maxMs, baseMs × 2^attempt). */
export function backoffCeiling(attempt: number, limits: { baseMs: number; maxMs: number }): number;
/** Uniform in [ceiling/2, ceiling] ("equal jitter"). */
export function backoffDelay(attempt: number, limits: { baseMs: number; maxMs: number }, random?: () => number): number;

export const STATES: readonly ConnectionState[];
export const RESERVED_EVENTS: readonly string[];

export class ChannelTracker {
  constructor(name: string, resume?: ChannelPosition);
  name: string;
  kind: ChannelKind | null;
  epoch: string | null;
  seq: number | null;
  doc: Json | undefined;
  status: 'idle' | 'pending' | 'live' | 'error';
  canResume(): boolean;
  position(): ChannelPosition;
}

/** A JSON number kept as its exact text (MessagePack ext type 1). */
export class ExactNumber {
  constructor(text: string);
  readonly text: string;
  valueOf(): number;
  toString(): string;
  toJSON(): string;
}
export function encodeMsgpack(value: unknown): Uint8Array;
export function decodeMsgpack(bytes: Uint8Array | ArrayBuffer, options?: { exactNumbers?: boolean }): unknown;

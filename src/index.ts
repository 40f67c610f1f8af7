/**
 * webrtc-statecharts: Godot's WebRTCPeerConnection and WebRTCDataChannel for Node.js, with
 * signaling, ICE gathering, connection and data-channel lifecycles as xstate v5 machines.
 *
 * @example
 * ```ts
 * import { WebRTCPeerConnection, GodotError } from 'webrtc-statecharts';
 * const pc = new WebRTCPeerConnection({ dispatch: 'events' }); // signals without a poll loop
 * const chat = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
 * pc.session_description_created.connect((type, sdp) => pc.set_local_description(type, sdp));
 * if (pc.create_offer() !== GodotError.OK) console.log(pc.get_records().at(-1)?.reason);
 * if ((await pc.connected({ timeout: 10_000 })) === GodotError.OK) chat.put_packet(new TextEncoder().encode('hi'));
 * ```
 */
export { WebRTCPeerConnection, type PeerConnectionOptions } from './api/peer-connection.js';
export { WebRTCDataChannel } from './api/data-channel.js';
export { GodotError, ConnectionState, GatheringState, SignalingState, ChannelState, WriteMode, errorName } from './godot/constants.js';
export { Signal } from './godot/signal.js';
export { observeRecords } from './records/recorder.js';
export type { ConnectionRecord, TransitionRecord, RefusalRecord, StackAnomalyRecord, StackErrorRecord, MachineName, RecordBase } from './records/record.js';
export { registerExtension, type ExtensionName } from './api/extension-registry.js';
export type {
  WebRTCPeerConnectionExtension,
  DataChannelExtension,
  ExtensionFactory,
  StackEvent,
  StackEventSink,
  StackResult,
  ChannelEvent,
  ChannelHandlers,
  HeldSignal,
} from './adapters/extension.js';
export { nodeDataChannelExtension, createNodeDataChannelExtension, type NodeDataChannelOptions } from './adapters/node-datachannel.js';
export { SETUP_ORDERS, DEFAULT_HOLD_MS, OFFERER_FIRST_ATTRIBUTE, type SetupOrder } from './adapters/setup-order.js';
export type { ChannelOptions, ChannelInit } from './api/channel-options.js';
export type { PeerConfiguration, IceServerConfig, Configuration, IceServerInit } from './api/configuration.js';
export type { SdpType } from './machines/events.js';
export * as machines from './machines/index.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export type { CloseInfo } from './api/state-values.js';
export { DISPATCH_MODES, type DispatchMode } from './api/signal-queue.js';
export type { WaitOptions } from './api/waits.js';
export type { ConnectionStats, ChannelStats } from './api/stats.js';
export type { StackStats, CandidateEndpoint } from './adapters/extension.js';
export { DEFAULT_SETUP_TIMEOUT_MS } from './api/setup-timeout.js';
export {
  keepalive,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_ID,
  KEEPALIVE_LABEL,
  type Keepalive,
  type KeepaliveOptions,
  type KeepaliveStats,
  type KeepaliveStop,
} from './api/keepalive.js';
export { setLogger, type Logger, type LogEntry, type LogLevel, type LogSource } from './log.js';
export { onStackLog, recordStreamResets, routeStackLog, type StackLogLine, type StackLogLevel } from './adapters/stack-log.js';

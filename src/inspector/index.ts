/**
 * A local, offline inspector for the process's connections: `startInspector()` serves a page on
 * 127.0.0.1 that draws every machine of the selected connection from its definition and follows
 * it live, with each connection's stats, the signaling servers' lobbies and sessions, and the
 * multiplayers (Godot 3's WebRTCMultiplayer, Godot 4's WebRTCMultiplayerPeer) with their remote peers.
 */
export { startInspector, randomToken, type InspectorOptions, type RunningInspector, type InspectorMessage } from './server.js';
export { machineGraph, drawnTransition, callText, type MachineGraph, type GraphEdge, type GraphTransition } from './graph.js';
export { layoutGraph, placeDiagram, labelOverlaps, type Layout, type Diagram, type PlacedLabel } from './layout.js';
export { renderSvg } from './svg.js';
export { graphOf, DIAGRAM_MACHINES } from './diagrams.js';
export { statsView, type ConnectionStatsView } from './stats.js';
export { InspectorModel, type ConnectionView, type LastTransition } from './model.js';
export { SignalingModel, type SessionView, type LobbyView, type SessionSource, type LobbySource, type RelayCounts } from './signaling-model.js';
export { MultiplayerModel, type MultiplayerView, type MultiplayerMode, type RemotePeerView } from './multiplayer-model.js';
export { liveMultiplayers, onMultiplayerCreated, type LiveMultiplayer } from '../records/multiplayers.js';
export { liveConnections, onConnectionCreated } from '../records/connections.js';

/**
 * A local, offline inspector for the process's connections: `startInspector()` serves a page on
 * 127.0.0.1 that draws every machine of the selected connection from its definition and follows
 * it live.
 */
export { startInspector, randomToken, type InspectorOptions, type RunningInspector, type InspectorMessage } from './server.js';
export { machineGraph, layoutGraph, renderSvg, type MachineGraph, type GraphEdge, type Layout } from './graph.js';
export { InspectorModel, type ConnectionView } from './model.js';
export { liveConnections, onConnectionCreated } from '../records/connections.js';

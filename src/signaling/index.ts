// webrtc-statecharts/signaling: the Godot webrtc_signaling demo's protocol (4.x JSON, 3.x text).
export * from './frames.js';
export * from './text-frames.js';
export * from './protocol.js';

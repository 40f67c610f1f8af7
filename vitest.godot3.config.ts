import { defineConfig } from 'vitest/config';

// The real-Godot tests (scripts/test-godot3.sh): a headless Godot 3 engine with the WebRTC plugin
// in a child process per test. They are slow (engine start, DTLS retransmissions), so one file at
// a time, with long timeouts.
export default defineConfig({
  test: {
    include: ['test/godot3/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});

import { MULTIPLAYER_SCRIPT, MULTIPLAYER_STYLE } from './page-multiplayer.js';
import { SIGNALING_SCRIPT, SIGNALING_STYLE } from './page-signaling.js';
import { STATS_SCRIPT, STATS_STYLE } from './page-stats.js';

/**
 * The inspector's page: one self-contained HTML document (no file, no CDN, nothing loaded from
 * elsewhere). It opens a WebSocket to the server that served it, gets the machines' diagrams and
 * the connections at once, then updates as records arrive.
 *
 * Hooks for tests and tools: `#connections li[data-connection="pc-1"]` (with `data-connection-state`),
 * `.panel[data-machine="connection"] g.state.current[data-state="connected"]`, and
 * `#records tr[data-seq]`; the element lit for the last transition is `[data-drawn].taken` (its line
 * `tspan.taken`); `#stats[data-connection]` holds the selected connection's `get_stats()`, each
 * figure as `[data-stat="bytes_received"]` with its number in `data-value`, and a row per channel
 * (`tr[data-channel="chat#1"]`); `document.body.dataset.socket` is `open` while the socket is.
 * Signaling servers' lobbies and sessions have their own lists and details: see `page-signaling.ts`;
 * so have the multiplayers (Godot 3 and 4): see `page-multiplayer.ts`.
 */
export function inspectorPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>webrtc-statecharts inspector</title>
<style>
  :root { --ink: #1f2933; --muted: #6b7785; --line: #d5dbe3; --accent: #2563eb; --taken: #d97706; --bad: #c0392b; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; align-items: center; gap: 12px; padding: 10px 16px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 15px; margin: 0; font-weight: 600; }
  #socket { font-size: 12px; color: var(--muted); }
  #socket::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: var(--bad); }
  body[data-socket="open"] #socket::before { background: #16a34a; }
  main { display: grid; grid-template-columns: 230px 1fr; min-height: calc(100vh - 45px); }
  nav { border-right: 1px solid var(--line); background: #fff; padding: 8px 0; }
  nav h2, section h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 6px 14px; font-weight: 600; }
  #connections { list-style: none; margin: 0; padding: 0; }
  #connections li { padding: 7px 14px; cursor: pointer; border-left: 3px solid transparent; }
  #connections li:hover { background: #f0f4fa; }
  #connections li[aria-selected="true"] { background: #e8f0fe; border-left-color: var(--accent); }
  #connections .id { font-weight: 600; }
  #connections .summary { color: var(--muted); font-size: 12px; }
  .badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; background: #e5e9f0; color: var(--ink); margin-left: 6px; }
  .badge[data-value="connected"] { background: #dcfce7; color: #166534; }
  .badge[data-value="connecting"] { background: #fef3c7; color: #92400e; }
  .badge[data-value="failed"], .badge[data-value="disconnected"] { background: #fde2e1; color: #9b1c1c; }
  .badge[data-value="closed"] { background: #e5e7eb; color: #4b5563; }
  #empty { padding: 24px; color: var(--muted); }
  #detail { padding: 12px 16px; overflow: auto; }
  #detail > h2 { font-size: 16px; text-transform: none; letter-spacing: 0; color: var(--ink); margin: 0 0 10px; }
  #machines { display: flex; flex-wrap: wrap; gap: 12px; }
  .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
  .panel h3 { margin: 0 0 4px; font-size: 13px; font-weight: 600; }
  .panel h3 .badge { font-weight: 500; }
  .panel .last { color: var(--muted); font-size: 11px; min-height: 15px; }
  svg.machine { display: block; max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
  svg .state rect { fill: #fff; stroke: #8a94a6; stroke-width: 1.2; }
  svg .state text { fill: var(--ink); font-size: 12px; }
  svg .state.current rect { fill: var(--accent); stroke: #1e40af; stroke-width: 2; }
  svg .state.current text { fill: #fff; font-weight: 600; }
  svg .edge path, svg .loop path, svg .entry path { fill: none; stroke: #aab4c3; stroke-width: 1.2; }
  svg .entry circle { fill: #6b7785; }
  svg .edge text, svg .loop text { fill: var(--muted); font-size: 10px; }
  svg .edge.taken path, svg .loop.taken path { stroke: var(--taken); stroke-width: 2.4; }
  svg .taken text.label { fill: var(--taken); }
  svg .taken tspan.taken, svg .loop.taken text.label, svg text.note.taken { fill: var(--taken); font-weight: 600; }
  svg text.label.hidden { display: none; }
  svg .taken text.label.hidden { display: inline; }
  svg marker path { fill: #8a94a6; }
  svg .note { fill: var(--muted); font-size: 11px; }
  svg .edge text, svg .loop text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
  svg .edge.faint path, svg .loop.faint path { stroke: #d3d9e2; stroke-dasharray: 3 3; }
  svg .edge.faint.taken path, svg .loop.faint.taken path { stroke: var(--taken); stroke-dasharray: none; }
  section.records { margin-top: 14px; }
${STATS_STYLE}
  table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; font-size: 12px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #edf0f4; vertical-align: top; }
  th { background: #f3f5f8; font-weight: 600; color: var(--muted); }
  td.num { text-align: right; font-variant-numeric: tabular-nums; color: var(--muted); white-space: nowrap; }
  tr.refusal td { color: var(--bad); }
  tr.stack_anomaly td, tr.stack_error td { color: #9a3412; }
  tr.fresh { animation: fresh 1.2s ease-out; }
  @keyframes fresh { from { background: #fff7d6; } to { background: transparent; } }
${SIGNALING_STYLE}
${MULTIPLAYER_STYLE}
</style>
</head>
<body data-socket="connecting">
<header><h1>webrtc-statecharts inspector</h1><span id="socket">connecting…</span></header>
<main>
  <nav><h2>Connections</h2><ul id="connections"></ul>
    <h2>Lobbies</h2><ul id="lobbies" class="list"></ul><h2>Sessions</h2><ul id="sessions" class="list"></ul>
    <h2>Multiplayer peers</h2><ul id="multiplayers" class="list"></ul></nav>
  <div id="detail"><div id="empty">No connection yet: they appear here as they are created.</div></div>
</main>
<script nonce="${nonce}">
(() => {
  'use strict';
  const MACHINES = ['signaling', 'connection', 'gathering'];
  let diagrams = {};
  const views = new Map();
  // The newest get_stats() of each connection, and when the server took it.
  let stats = {};
  let statsTime = 0;
  // Chosen by a click or the URL's #id; until then the first connection that is not closed.
  let chosen = decodeURIComponent(location.hash.slice(1)) || null;
  let selected = null;
  let shownId = null;
  const list = document.getElementById('connections');
  const detail = document.getElementById('detail');
  const socketLabel = document.getElementById('socket');

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === 'class') node.className = value;
      else if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) node.append(child);
    return node;
  }
  const badge = (value) => el('span', { class: 'badge', 'data-value': value }, value);

  function connect() {
    const socket = new WebSocket('ws://' + location.host + '/ws' + location.search);
    socket.onopen = () => { document.body.dataset.socket = 'open'; socketLabel.textContent = 'live'; };
    socket.onclose = () => {
      document.body.dataset.socket = 'closed';
      socketLabel.textContent = 'disconnected: retrying…';
      setTimeout(connect, 1000);
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === 'hello') {
        diagrams = data.diagrams;
        views.clear();
        shownId = null;
        for (const view of data.connections) views.set(view.id, view);
        takeSignaling(data, true);
        takeMultiplayers(data, true);
      } else if (data.type === 'update') {
        for (const view of data.connections) views.set(view.id, view);
        for (const id of data.removed) views.delete(id);
        takeSignaling(data, false);
        takeMultiplayers(data, false);
      } else if (data.type === 'stats') {
        stats = data.stats;
        statsTime = data.time;
      }
      render();
    };
  }

  function render() {
    if (chosen !== null && (views.has(chosen) || signalingView(chosen) || multiplayerView(chosen))) {
      selected = chosen;
    } else {
      const all = [...views.values()];
      const open = all.find((view) => view.states.connection !== 'closed');
      selected = (open || all.find((view) => view.id === selected) || all[all.length - 1] || { id: firstSignaling() || firstMultiplayer() }).id;
    }
    renderList();
    renderSignalingList();
    renderMultiplayerList();
    if (signalingView(selected)) renderSignalingDetail(selected);
    else if (multiplayerView(selected)) renderMultiplayerDetail(selected);
    else renderDetail();
  }

  function renderList() {
    const items = [];
    for (const view of views.values()) {
      const channels = Object.keys(view.channels).length;
      items.push(el('li', { 'data-connection': view.id, 'data-connection-state': view.states.connection, 'aria-selected': String(view.id === selected), onclick: () => select(view.id) },
        el('span', { class: 'id' }, view.id), badge(view.states.connection),
        el('div', { class: 'summary' }, 'signaling ' + view.states.signaling + ' · gathering ' + view.states.gathering + ' · ' + channels + ' channel' + (channels === 1 ? '' : 's'))));
    }
    list.replaceChildren(...items);
  }

  function select(id) {
    chosen = id;
    history.replaceState(null, '', location.search + '#' + encodeURIComponent(id));
    render();
  }

  const recordsSection = () => el('section', { class: 'records' }, el('h2', {}, 'Recent records'),
    el('table', {}, el('thead', {}, el('tr', {}, ...['seq', 'time', 'machine', 'what', 'event / reason'].map((h) => el('th', {}, h)))), el('tbody', { id: 'records' })));

  // Draws one panel per wanted machine in its container, each with its diagram, the current state and the last transition lit.
  function drawPanels(machines, wanted) {
    const keep = new Set(wanted.map((w) => w.key));
    for (const panel of [...machines.children]) if (!keep.has(panel.dataset.key)) panel.remove();
    for (const want of wanted) {
      let panel = [...machines.children].find((child) => child.dataset.key === want.key);
      if (!panel) {
        panel = el('div', { class: 'panel', 'data-key': want.key, 'data-machine': want.kind },
          el('h3', {}, want.title, badge(want.state)), el('div', { class: 'last' }), el('div', { class: 'diagram' }));
        if (want.channel) panel.dataset.channel = want.channel;
        if (want.session) panel.dataset.session = want.session;
        if (want.remote) panel.dataset.remote = want.remote;
        panel.querySelector('.diagram').innerHTML = diagrams[want.kind] ? diagrams[want.kind].svg : '';
        machines.append(panel);
      }
      const b = panel.querySelector('h3 .badge');
      b.textContent = want.state;
      b.dataset.value = want.state;
      panel.dataset.state = want.state;
      for (const node of panel.querySelectorAll('g.state')) node.classList.toggle('current', node.dataset.state === want.state);
      const last = want.last;
      // Exactly the element the server matched the record to (null: none drawn, nothing lit).
      for (const node of panel.querySelectorAll('[data-drawn]')) node.classList.toggle('taken', !!last && node.dataset.drawn === last.drawn);
      for (const line of panel.querySelectorAll('tspan[data-key]')) {
        line.classList.toggle('taken', !!last && line.closest('[data-drawn]').dataset.drawn === last.drawn && line.dataset.key === last.key);
      }
      panel.querySelector('.last').textContent = last ? 'last: ' + last.from + ' → ' + last.to + ' on ' + last.event + ' (#' + last.seq + ')' : 'no transition yet';
    }
  }

  function renderDetail() {
    const view = selected === null ? undefined : views.get(selected);
    if (!view) {
      shownId = null;
      detail.replaceChildren(el('div', { id: 'empty' }, 'No connection yet: they appear here as they are created.'));
      return;
    }
    if (shownId !== view.id) {
      shownId = view.id;
      detail.replaceChildren(
        el('h2', {}, view.id),
        el('section', { class: 'stats' }, el('h2', {}, 'Stats'), el('div', { id: 'stats' })),
        el('div', { id: 'machines' }),
        recordsSection());
    }
    const wanted = MACHINES.map((name) => ({ key: name, kind: name, title: name, state: view.states[name], last: view.last[name] }))
      .concat(Object.entries(view.channels).map(([key, state]) => ({ key: 'channel:' + key, kind: 'dataChannel', title: 'channel ' + key, state, channel: key, last: view.last[key] })));
    drawPanels(document.getElementById('machines'), wanted);
    renderStats(view);
    renderRecords(view);
  }

${STATS_SCRIPT}

  function renderRecords(view) {
    const body = document.getElementById('records');
    const before = new Set([...body.children].map((row) => row.dataset.seq));
    const rows = view.records.slice().reverse().map((record) => {
      // A multiplayer's remote peers are 'peer <id>', not channels.
      const who = record.channel ? (/^peer \\d+$/.test(record.channel) ? record.channel : 'channel ' + record.channel) : (record.kind === 'stack_error' ? 'stack' : record.machine);
      let what = '', why = '';
      if (record.kind === 'transition') { what = record.from + ' → ' + record.to; why = record.event; }
      else if (record.kind === 'refusal') { what = 'refused ' + record.method + ': ' + record.codeName + ' (' + record.code + ')'; why = record.reason; }
      else if (record.kind === 'stack_anomaly') { what = 'stack anomaly in ' + record.state; why = record.event + ': ' + record.reason; }
      else { what = 'stack error: ' + record.codeName; why = record.method + ': ' + record.reason; }
      const row = el('tr', { class: record.kind + (before.size && !before.has(String(record.seq)) ? ' fresh' : ''), 'data-seq': String(record.seq), 'data-kind': record.kind },
        el('td', { class: 'num' }, '#' + record.seq),
        el('td', { class: 'num' }, new Date(record.time).toISOString().slice(11, 23)),
        el('td', {}, who), el('td', {}, what), el('td', {}, why));
      return row;
    });
    body.replaceChildren(...rows);
  }

${SIGNALING_SCRIPT}
${MULTIPLAYER_SCRIPT}
  window.addEventListener('hashchange', () => { chosen = decodeURIComponent(location.hash.slice(1)) || null; render(); });
  connect();
})();
</script>
</body>
</html>
`;
}

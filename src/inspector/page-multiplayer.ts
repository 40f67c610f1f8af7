/**
 * The inspector page's part for multiplayers (Godot 3's WebRTCMultiplayer, Godot 4's
 * WebRTCMultiplayerPeer): script inserted into the page's own (it uses its `el`, `badge`,
 * `select`, `drawPanels`, `recordsSection`, `renderRecords`, `detail`, and the signaling part's
 * `facts`), and its style.
 *
 * Hooks for tests and tools: `#multiplayers li[data-multiplayer="mp-1"]` (with
 * `data-multiplayer-state` and `data-godot`, 3 or 4); a multiplayer is selected as
 * `#multiplayer:mp-1` in the URL. The detail's title is its class and name
 * (`WebRTCMultiplayerPeer mp4-1`); it has `#facts [data-fact="godot"]` / `"uniqueId"` / `"mode"` /
 * `"state"` / `"refusing"` / `"drops"` / `"refusals"` (text in `data-value`), the machines'
 * `.panel[data-machine="webrtcMultiplayer"]` (or `"webrtcMultiplayerPeer"`) and
 * `.panel[data-machine="multiplayerRemote"][data-remote="peer 2"]` (the first eight remote peers),
 * and `#remote-peers tr[data-remote="2"]` (with `data-remote-state`).
 */
export const MULTIPLAYER_STYLE = `
  .badge[data-value="added"] { background: #fef3c7; color: #92400e; }
  .badge[data-value="removed"] { background: #e5e7eb; color: #4b5563; }
`;

export const MULTIPLAYER_SCRIPT = `
  // Multiplayers (Godot 3 and 4), by name; selected as 'multiplayer:<name>'.
  const multiplayers = new Map();
  const REMOTE_PANELS = 8;
  const multiplayerList = document.getElementById('multiplayers');

  function takeMultiplayers(data, reset) {
    if (reset) multiplayers.clear();
    for (const view of data.multiplayers || []) multiplayers.set(view.name, view);
    for (const name of data.removedMultiplayers || []) multiplayers.delete(name);
  }

  function multiplayerView(key) {
    return typeof key === 'string' && key.startsWith('multiplayer:') ? multiplayers.get(key.slice(12)) : undefined;
  }

  function firstMultiplayer() {
    const all = [...multiplayers.values()];
    const view = all.find((other) => other.state !== 'disconnected') || all[0];
    return view ? 'multiplayer:' + view.name : null;
  }

  const godot4 = (view) => view.machine === 'webrtcMultiplayerPeer';
  const className = (view) => godot4(view) ? 'WebRTCMultiplayerPeer' : 'WebRTCMultiplayer';
  // Godot 4's close() is back to MODE_NONE; Godot 3's mode is initialize()'s, kept after close().
  const modeText = (view) => view.mode !== null ? view.mode : godot4(view) ? 'none' : 'not initialized';
  const countsText = (counts) => Object.entries(counts).map(([key, count]) => key + ' ' + count).join(', ') || 'none';
  const inMap = (view) => view.remotes.filter((remote) => remote.state !== 'removed');
  const peersText = (view) => inMap(view).map((remote) => remote.id + ' ' + remote.state).join(', ') || 'no peer';

  function renderMultiplayerList() {
    const items = [...multiplayers.values()].map((view) => {
      const key = 'multiplayer:' + view.name;
      return el('li', { 'data-multiplayer': view.name, 'data-multiplayer-state': view.state, 'data-godot': godot4(view) ? '4' : '3', 'aria-selected': String(key === selected), onclick: () => select(key) },
        el('span', { class: 'id' }, view.name + (view.uniqueId ? ' · id ' + view.uniqueId : '')), badge(view.state),
        el('div', { class: 'summary' }, 'Godot ' + (godot4(view) ? '4' : '3') + ' · ' + modeText(view) + ' · ' + peersText(view)));
    });
    multiplayerList.replaceChildren(...(items.length ? items : [el('li', { class: 'none' }, 'none')]));
  }

  function renderMultiplayerDetail(key) {
    const view = multiplayerView(key);
    if (shownId !== key) {
      shownId = key;
      detail.replaceChildren(el('h2', {}), el('div', { id: 'facts' }), el('div', { id: 'machines' }),
        el('section', { class: 'sessions' }, el('h2', {}, 'Remote peers'), el('table', {},
          el('thead', {}, el('tr', {}, ...['id', 'state', 'last event'].map((h) => el('th', {}, h)))), el('tbody', { id: 'remote-peers' }))),
        recordsSection());
    }
    detail.querySelector('h2').textContent = className(view) + ' ' + view.name;
    document.getElementById('facts').replaceWith(facts([['Godot', 'godot', godot4(view) ? '4' : '3'], ['state', 'state', view.state], ['unique id', 'uniqueId', view.uniqueId || 'none'],
      ['mode', 'mode', modeText(view)], ['refusing new connections', 'refusing', view.refusing ? 'yes' : 'no'],
      ['peers (connected)', 'peers', inMap(view).map((remote) => remote.id + (remote.state === 'connected' ? '' : ' (' + remote.state + ')')).join(', ') || 'none'],
      ['dropped by its API (first per reason and peer)', 'drops', countsText(view.drops)], ['refusals', 'refusals', countsText(view.refusals)]]));
    // A diagram per remote peer for the first few; the table below lists every one.
    drawPanels(document.getElementById('machines'), [{ key: 'multiplayer', kind: view.machine, title: className(view) + ' ' + view.name, state: view.state, last: view.last }]
      .concat(view.remotes.slice(0, REMOTE_PANELS).map((remote) => ({ key: 'remote:' + remote.channel, kind: 'multiplayerRemote', title: remote.channel, state: remote.state, last: remote.last, remote: remote.channel }))));
    document.getElementById('remote-peers').replaceChildren(...view.remotes.map((remote) => el('tr', { 'data-remote': String(remote.id), 'data-remote-state': remote.state },
      el('td', { class: 'num' }, String(remote.id)), el('td', {}, remote.state), el('td', {}, remote.last ? remote.last.event + ' (#' + remote.last.seq + ')' : ''))));
    renderRecords(view);
  }
`;

/**
 * The inspector page's part for signaling servers: script inserted into the page's own (it uses
 * its `el`, `badge`, `select`, `drawPanels`, `recordsSection`, `renderRecords`, `detail`), and
 * its style.
 *
 * Hooks for tests and tools: `#lobbies li[data-lobby="lobby-1"]` (with `data-lobby-state`),
 * `#sessions li[data-session="session-7"]` (with `data-session-state`); a lobby or session is
 * selected as `#lobby:lobby-1` / `#session:session-7` in the URL. The detail has
 * `#facts [data-fact="members"]` (its text in `data-value`), the machines'
 * `.panel[data-machine="signalingLobby"]` and `.panel[data-machine="signalingSession"][data-session]`
 * (one per member session, the first eight, on a lobby's page), and `#lobby-sessions tr[data-session]` with each
 * relayed count as `[data-relayed="offer"]` (its number in `data-value`).
 */
export const SIGNALING_STYLE = `
  ul.list { list-style: none; margin: 0 0 6px; padding: 0; }
  ul.list li { padding: 7px 14px; cursor: pointer; border-left: 3px solid transparent; }
  ul.list li:hover { background: #f0f4fa; }
  ul.list li[aria-selected="true"] { background: #e8f0fe; border-left-color: var(--accent); }
  ul.list .id { font-weight: 600; }
  ul.list .summary { color: var(--muted); font-size: 12px; }
  ul.list .none { color: var(--muted); font-size: 12px; padding: 2px 14px; cursor: default; }
  .badge[data-value="open"], .badge[data-value="inLobby"] { background: #dcfce7; color: #166534; }
  .badge[data-value="sealed"] { background: #e0e7ff; color: #3730a3; }
  #facts { display: flex; flex-wrap: wrap; gap: 6px 18px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin-bottom: 12px; }
  #facts .fact .name { color: var(--muted); font-size: 11px; display: block; }
  section.sessions { margin: 12px 0; }
  tr[data-session] { cursor: pointer; }
`;

export const SIGNALING_SCRIPT = `
  // Signaling servers' sessions and lobbies, by name; selected as 'lobby:<name>' or 'session:<name>'.
  const sessions = new Map();
  const lobbies = new Map();
  const MEMBER_PANELS = 8;
  const lobbyList = document.getElementById('lobbies');
  const sessionList = document.getElementById('sessions');

  function takeSignaling(data, reset) {
    if (reset) { sessions.clear(); lobbies.clear(); }
    for (const view of data.sessions || []) sessions.set(view.name, view);
    for (const view of data.lobbies || []) lobbies.set(view.name, view);
    for (const name of data.removedSignaling || []) { sessions.delete(name); lobbies.delete(name); }
  }

  function signalingView(key) {
    if (typeof key !== 'string') return undefined;
    if (key.startsWith('lobby:')) return lobbies.get(key.slice(6));
    if (key.startsWith('session:')) return sessions.get(key.slice(8));
    return undefined;
  }

  function firstSignaling() {
    const lobby = [...lobbies.values()].find((view) => view.state !== 'closed');
    if (lobby) return 'lobby:' + lobby.name;
    const session = [...sessions.values()].find((view) => view.state !== 'closed');
    return session ? 'session:' + session.name : null;
  }

  const lobbyTitle = (view) => view.lobby === null ? view.name : view.name + ' · ' + (view.lobby === '' ? '(unnamed)' : view.lobby);
  const meshText = (view) => view.mesh === null ? '?' : view.mesh ? 'mesh' : 'client/server';
  const protocolText = (protocol) => protocol === null || protocol === undefined ? '?' : protocol + '.x';
  const relayedTotal = (r) => r.offer + r.answer + r.candidate;
  function sessionSummary(view) {
    const where = view.lobby === null ? 'no lobby' : (view.host ? 'host of ' : 'in ') + view.lobby + (view.wire === null ? '' : ' as ' + view.wire);
    return where + ' · relayed ' + relayedTotal(view.relayed);
  }

  function renderSignalingList() {
    const item = (key, attributes, id, state, summary) => el('li', { ...attributes, 'aria-selected': String(key === selected), onclick: () => select(key) },
      el('span', { class: 'id' }, id), badge(state), el('div', { class: 'summary' }, summary));
    const lobbyItems = [...lobbies.values()].map((view) => item('lobby:' + view.name, { 'data-lobby': view.name, 'data-lobby-state': view.state }, lobbyTitle(view), view.state,
      meshText(view) + ' · ' + protocolText(view.protocol) + ' · members ' + view.members.join(', ')));
    const sessionItems = [...sessions.values()].map((view) => item('session:' + view.name, { 'data-session': view.name, 'data-session-state': view.state }, view.name, view.state, sessionSummary(view)));
    lobbyList.replaceChildren(...(lobbyItems.length ? lobbyItems : [el('li', { class: 'none' }, 'none')]));
    sessionList.replaceChildren(...(sessionItems.length ? sessionItems : [el('li', { class: 'none' }, 'none')]));
  }

  function facts(pairs) {
    return el('div', { id: 'facts' }, ...pairs.map(([name, key, value]) => el('div', { class: 'fact', 'data-fact': key, 'data-value': String(value) },
      el('span', { class: 'name' }, name), el('span', { class: 'value' }, String(value)))));
  }

  function sessionRows(names) {
    return names.map((name) => sessions.get(name)).filter(Boolean).map((s) => {
      const cell = (kind) => el('td', { class: 'num', 'data-relayed': kind, 'data-value': String(s.relayed[kind]) }, Number(s.relayed[kind]).toLocaleString('en'));
      return el('tr', { 'data-session': s.name, 'data-session-state': s.state, onclick: () => select('session:' + s.name) },
        el('td', {}, s.name), el('td', { class: 'num' }, s.wire === null ? '?' : String(s.wire)), el('td', {}, s.host ? 'host' : ''), el('td', {}, s.state),
        cell('offer'), cell('answer'), cell('candidate'), cell('bytes'));
    });
  }

  function renderSignalingDetail(key) {
    const view = signalingView(key);
    const lobby = key.startsWith('lobby:');
    if (shownId !== key) {
      shownId = key;
      detail.replaceChildren(el('h2', {}), el('div', { id: 'facts' }), el('div', { id: 'machines' }),
        ...(lobby ? [el('section', { class: 'sessions' }, el('h2', {}, 'Sessions'), el('table', {},
          el('thead', {}, el('tr', {}, ...['session', 'wire id', '', 'state', 'offers', 'answers', 'candidates', 'bytes'].map((h) => el('th', {}, h)))),
          el('tbody', { id: 'lobby-sessions' })))] : []),
        recordsSection());
    }
    detail.querySelector('h2').textContent = lobby ? lobbyTitle(view) : view.name;
    if (lobby) {
      document.getElementById('facts').replaceWith(facts([['name', 'name', view.lobby === null ? '?' : view.lobby], ['kind', 'mesh', meshText(view)],
        ['protocol', 'protocol', protocolText(view.protocol)], ['members (wire ids)', 'members', view.members.join(', ')], ['sealed', 'sealed', view.sealed ? 'yes' : 'no']]));
      // A diagram per member for the first few; the table below lists every one.
      const members = view.sessions.map((name) => sessions.get(name)).filter(Boolean).slice(0, MEMBER_PANELS);
      drawPanels(document.getElementById('machines'), [{ key: 'lobby', kind: 'signalingLobby', title: 'lobby ' + view.name, state: view.state, last: view.last }]
        .concat(members.map((s) => ({ key: 'session:' + s.name, kind: 'signalingSession', title: s.name + (s.host ? ' (host, 1)' : ''), state: s.state, last: s.last, session: s.name }))));
      document.getElementById('lobby-sessions').replaceChildren(...sessionRows(view.sessions));
    } else {
      document.getElementById('facts').replaceWith(facts([['id', 'id', view.id === null ? '?' : view.id], ['wire id', 'wire', view.wire === null ? '?' : view.wire],
        ['lobby', 'lobby', view.lobby === null ? 'none' : view.lobby], ['host', 'host', view.host ? 'yes' : 'no'], ['protocol', 'protocol', protocolText(view.protocol)],
        ['relayed offers / answers / candidates', 'relayed', view.relayed.offer + ' / ' + view.relayed.answer + ' / ' + view.relayed.candidate],
        ['relayed bytes', 'bytes', view.relayed.bytes]]));
      drawPanels(document.getElementById('machines'), [{ key: 'session', kind: 'signalingSession', title: 'session ' + view.name, state: view.state, last: view.last, session: view.name }]);
    }
    renderRecords(view);
  }
`;

/**
 * The inspector page's stats box: script inserted into the page's own (it uses its `el`,
 * `stats` and `statsTime`), and its style. Hooks: `#stats[data-connection]`, each figure as
 * `[data-stat="bytes_received"]` with its number in `data-value`, a row per channel
 * (`tr[data-channel="chat#1"]`).
 */
export const STATS_STYLE = `
  section.stats { margin-bottom: 12px; }
  #stats .figures { display: flex; flex-wrap: wrap; gap: 6px 18px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin-bottom: 6px; }
  #stats .figure .name { color: var(--muted); font-size: 11px; display: block; }
  #stats .figure .value { font-variant-numeric: tabular-nums; }
  #stats .when { color: var(--muted); font-size: 11px; margin: 0 0 4px; }
`;

export const STATS_SCRIPT = `
  const count = (n) => n === null || n === undefined ? '–' : Number(n).toLocaleString('en');
  const bytes = (n) => n === null || n === undefined ? '–' : count(n) + ' B';
  function age(ms) {
    const s = ms / 1000;
    return s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.floor(s % 60) + ' s';
  }
  const endpoint = (e) => e.type + ' ' + (e.address.includes(':') ? '[' + e.address + ']' : e.address) + ':' + e.port + ' ' + e.transport;

  function renderStats(view) {
    const box = document.getElementById('stats');
    const s = stats[view.id];
    box.dataset.connection = view.id;
    if (!s) {
      box.replaceChildren(el('p', { class: 'when' }, 'no stats yet'));
      return;
    }
    const figure = (name, key, value, shown) => el('div', { class: 'figure', 'data-stat': key, 'data-value': String(value) },
      el('span', { class: 'name' }, name), el('span', { class: 'value' }, shown));
    const pair = s.selected_pair;
    const pairText = pair ? endpoint(pair.local) + ' ⇄ ' + endpoint(pair.remote) : '';
    const figures = el('div', { class: 'figures' },
      figure('age', 'age_ms', Math.round(s.age_ms), age(s.age_ms)),
      figure('sent', 'bytes_sent', s.bytes_sent, bytes(s.bytes_sent) + ' in ' + count(s.messages_sent) + ' messages'),
      figure('received', 'bytes_received', s.bytes_received, bytes(s.bytes_received) + ' in ' + count(s.messages_received) + ' messages'),
      figure('transport sent / received', 'transport_bytes', (s.transport_bytes_sent ?? '') + '/' + (s.transport_bytes_received ?? ''), bytes(s.transport_bytes_sent) + ' / ' + bytes(s.transport_bytes_received)),
      figure('rtt', 'rtt_ms', s.rtt_ms ?? '', s.rtt_ms === null ? '–' : s.rtt_ms.toFixed(1) + ' ms'),
      figure('selected pair', 'selected_pair', pairText, pair ? pairText : 'none yet'),
      figure('queued (unread)', 'queued_bytes', s.queued_bytes, bytes(s.queued_bytes)),
      figure('buffered (to send)', 'buffered_amount', s.buffered_amount, bytes(s.buffered_amount)));
    const rows = s.channels.map((c) => {
      const cell = (key, value, shown) => el('td', { class: 'num', 'data-stat': key, 'data-value': String(value) }, shown);
      return el('tr', { 'data-channel': c.label + '#' + c.id },
        el('td', {}, c.label + '#' + c.id), el('td', {}, c.state_name),
        cell('bytes_sent', c.bytes_sent, bytes(c.bytes_sent) + ' / ' + count(c.messages_sent)),
        cell('bytes_received', c.bytes_received, bytes(c.bytes_received) + ' / ' + count(c.messages_received)),
        cell('buffered_amount', c.buffered_amount, bytes(c.buffered_amount)),
        cell('queued_bytes', c.queued_bytes, bytes(c.queued_bytes) + ' / ' + count(c.queued_packets)));
    });
    const channels = rows.length === 0 ? el('p', { class: 'when' }, 'no channel') :
      el('table', {}, el('thead', {}, el('tr', {}, ...['channel', 'state', 'sent / messages', 'received / messages', 'buffered', 'queued / packets'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
    box.replaceChildren(el('p', { class: 'when' }, 'get_stats() at ' + new Date(statsTime).toISOString().slice(11, 19)), figures, channels);
  }
`;

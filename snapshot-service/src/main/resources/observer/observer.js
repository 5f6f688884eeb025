// simsnap observer: plain JS, no dependencies. Runs list from GET /runs (+ /runs/{run} for lag); the selected run
// follows GET /runs/{run}/events?from=0 (SSE): stock prices drawn as inline SVG, agents' cash and wealth in a table.
(function () {
  'use strict';
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const MAX_POINTS = 500;
  let selected = null;
  let source = null;
  let state = null;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(v) {
    return typeof v === 'number' ? (Math.round(v * 100) / 100).toLocaleString('en-US') : (v == null ? '' : String(v));
  }

  // A service with a read token: open the page as /#token=<read token> (a fragment never leaves the browser).
  const TOKEN = new URLSearchParams(location.hash.slice(1)).get('token');

  async function json(url, options) {
    const o = Object.assign({}, options);
    if (TOKEN) o.headers = Object.assign({}, o.headers, { Authorization: 'Bearer ' + TOKEN });
    const r = await fetch(url, o);
    if (!r.ok) throw new Error(url + ': ' + r.status);
    return r.json();
  }

  async function refreshRuns() {
    try {
      const list = await json('/runs');
      const runs = list.runs || list;
      const body = document.getElementById('runs');
      const rows = await Promise.all(runs.map(async (r) => {
        let lag = '';
        try { lag = (await json('/runs/' + encodeURIComponent(r.run))).lag; } catch (e) { /* owner away */ }
        return [r, lag];
      }));
      body.replaceChildren(...rows.map(([r, lag]) => {
        const tr = el('tr', { 'data-run': r.run });
        if (r.run === selected) tr.className = 'selected';
        [r.run, r.kind, r.consistent_iteration, lag, r.ended ? 'yes' : ''].forEach((v) => tr.appendChild(el('td', {}, fmt(v))));
        tr.addEventListener('click', () => select(r.run));
        return tr;
      }));
      if (!selected && runs.length) {
        const wanted = new URLSearchParams(location.search).get('run');
        select(wanted && runs.some((r) => r.run === wanted) ? wanted : runs[0].run);
      }
    } catch (e) {
      console.warn(e);
    }
  }

  function select(run) {
    if (source) source.close();
    selected = run;
    state = { stocks: new Map(), persons: new Map(), iteration: -1, events: 0 };
    document.getElementById('run-view').hidden = false;
    document.getElementById('run-title').textContent = 'Run ' + run;
    document.querySelectorAll('#runs tr').forEach((tr) => { tr.className = tr.dataset.run === run ? 'selected' : ''; });
    // EventSource cannot send headers: the token goes as RFC 6750's access_token parameter.
    source = new EventSource('/runs/' + encodeURIComponent(run) + '/events?from=0'
        + (TOKEN ? '&access_token=' + encodeURIComponent(TOKEN) : ''));
    source.addEventListener('iteration', (m) => onIteration(JSON.parse(m.data)));
    source.addEventListener('generation', () => refreshGenerations());
    source.addEventListener('dropped', (m) => {
      status('dropped by the service: ' + JSON.parse(m.data).reason + ' — reconnecting');
      source.close();
      setTimeout(() => { if (selected === run) select(run); }, 1000);
    });
    source.onerror = () => status('stream interrupted, reconnecting…');
    refreshGenerations();
  }

  function status(text) {
    document.getElementById('status').textContent = text;
  }

  function onIteration(ev) {
    state.iteration = ev.iteration;
    state.events++;
    for (const c of ev.changes) {
      if (c.type === 'STOCK') {
        if (c.op === 'delete') { state.stocks.delete(c.id); continue; }
        const s = state.stocks.get(c.id) || { name: c.value.stock_name || c.id, points: [] };
        s.name = c.value.stock_name || s.name;
        const price = c.value.current_price;
        if (typeof price === 'number') {
          s.points.push([ev.iteration, price]);
          if (s.points.length > MAX_POINTS) s.points.shift();
        }
        state.stocks.set(c.id, s);
      } else if (c.type === 'PERSON') {
        if (c.op === 'delete') state.persons.delete(c.id);
        else state.persons.set(c.id, c.value);
      }
    }
    status('iteration ' + ev.iteration + ' (virtual date ' + ev.virtual_date + '), ' + state.events + ' iterations received');
    schedule();
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawChart(); drawAgents(); });
  }

  function drawChart() {
    const svg = document.getElementById('chart');
    const NS = 'http://www.w3.org/2000/svg';
    const W = 560, H = 300, L = 50, R = 10, T = 10, B = 25;
    const all = [...state.stocks.values()].flatMap((s) => s.points);
    svg.replaceChildren();
    if (!all.length) return;
    let x0 = Math.min(...all.map((p) => p[0])), x1 = Math.max(...all.map((p) => p[0]));
    let y0 = Math.min(...all.map((p) => p[1])), y1 = Math.max(...all.map((p) => p[1]));
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y1 += 1; y0 -= 1; }
    const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
    const sy = (y) => H - B - (y - y0) / (y1 - y0) * (H - T - B);
    const axis = document.createElementNS(NS, 'path');
    axis.setAttribute('d', `M${L},${T} V${H - B} H${W - R}`);
    axis.setAttribute('stroke', '#888'); axis.setAttribute('fill', 'none');
    svg.appendChild(axis);
    [[y1, T + 4], [y0, H - B]].forEach(([v, y]) => {
      const t = document.createElementNS(NS, 'text');
      t.setAttribute('x', 2); t.setAttribute('y', y); t.setAttribute('font-size', '10');
      t.textContent = fmt(v); svg.appendChild(t);
    });
    [[x0, L], [x1, W - R - 30]].forEach(([v, x]) => {
      const t = document.createElementNS(NS, 'text');
      t.setAttribute('x', x); t.setAttribute('y', H - 8); t.setAttribute('font-size', '10');
      t.textContent = 'it ' + v; svg.appendChild(t);
    });
    const legend = document.getElementById('legend');
    legend.replaceChildren();
    [...state.stocks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).forEach(([id, s], i) => {
      const color = COLORS[i % COLORS.length];
      const line = document.createElementNS(NS, 'polyline');
      line.setAttribute('class', 'price-line');
      line.setAttribute('data-stock', id);
      line.setAttribute('fill', 'none'); line.setAttribute('stroke', color); line.setAttribute('stroke-width', '1.5');
      line.setAttribute('points', s.points.map((p) => sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1)).join(' '));
      svg.appendChild(line);
      const last = s.points.length ? s.points[s.points.length - 1][1] : null;
      const item = el('span', {}, '■ ' + s.name + ' ' + fmt(last));
      item.style.color = color;
      legend.appendChild(item);
    });
  }

  function drawAgents() {
    const body = document.getElementById('agents');
    const rows = [...state.persons.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
    body.replaceChildren(...rows.map(([id, p]) => {
      const tr = el('tr', { 'data-agent': id });
      [p.name ? p.name + ' (' + id + ')' : id, p.cash, p.wealth].forEach((v) => tr.appendChild(el('td', {}, fmt(v))));
      return tr;
    }));
  }

  async function refreshGenerations() {
    if (!selected) return;
    const run = selected;
    try {
      const g = await json('/runs/' + encodeURIComponent(run) + '/generations');
      const list = document.getElementById('generations');
      list.replaceChildren(...(g.generations || []).map((n) => {
        const li = el('li');
        li.appendChild(el('a', { href: '/runs/' + encodeURIComponent(run) + '/generations/' + n,
          download: 'gen_' + n + '.json' }, 'gen_' + n + '.json'));
        return li;
      }));
    } catch (e) { /* run without generations */ }
  }

  document.getElementById('snapshot').addEventListener('click', async () => {
    const out = document.getElementById('snapshot-result');
    out.textContent = 'writing…';
    try {
      const r = await json('/runs/' + encodeURIComponent(selected) + '/snapshots', { method: 'POST' });
      out.textContent = 'iteration ' + r.iteration + ' written to ' + r.path;
    } catch (e) {
      out.textContent = 'failed: ' + e.message;
    }
  });

  refreshRuns();
  setInterval(refreshRuns, 2000);
  setInterval(refreshGenerations, 5000);
})();
